import Testing
@testable import GarrisonPods

@Test func moduleLinks() { #expect(Bool(true)) }
