import Testing
@testable import GarrisonManifest

@Test func moduleLinks() { #expect(Bool(true)) }
