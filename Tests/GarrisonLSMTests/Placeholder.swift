import Testing
@testable import GarrisonLSM

@Test func moduleLinks() { #expect(Bool(true)) }
