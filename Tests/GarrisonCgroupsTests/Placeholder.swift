import Testing
@testable import GarrisonCgroups

@Test func moduleLinks() { #expect(Bool(true)) }
