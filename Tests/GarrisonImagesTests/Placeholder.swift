import Testing
@testable import GarrisonImages

@Test func moduleLinks() { #expect(Bool(true)) }
