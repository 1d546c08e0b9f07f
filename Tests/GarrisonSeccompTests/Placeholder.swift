import Testing
@testable import GarrisonSeccomp

@Test func moduleLinks() { #expect(Bool(true)) }
