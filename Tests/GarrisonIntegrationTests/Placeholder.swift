import Testing
@testable import GarrisonRuntime

@Test func moduleLinks() { #expect(Bool(true)) }
