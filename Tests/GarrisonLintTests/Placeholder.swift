import Testing
@testable import GarrisonLint

@Test func moduleLinks() { #expect(Bool(true)) }
