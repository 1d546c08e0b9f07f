import Testing
@testable import GarrisonAudit

@Test func moduleLinks() { #expect(Bool(true)) }
