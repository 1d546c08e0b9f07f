import Testing
@testable import GarrisonPolicy

@Test func moduleLinks() { #expect(Bool(true)) }
