import Foundation
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// The pass/fail fixture matrix: every fixture under Fixtures/pss at both levels and every policy
/// version from v1.0 to one past the newest, plus `latest`, must fail exactly the expected checks.
@Suite struct PSSFixtureTests {
  struct Expectation: Decodable {
    var check: String
    var levels: [String]
    var from: Int?
    var to: Int?
  }
  struct Case: Decodable {
    var file: String
    var description: String
    var fails: [Expectation]
  }
  struct Cases: Decodable { var cases: [Case] }

  static func cases() throws -> [Case] {
    let text = try Support.read(Support.fixtures + "/pss-expectations.yaml")
    return try YAMLTree.decode(Cases.self, from: text, file: "pss-expectations.yaml").cases
  }

  /// The checks expected to fail for a case at a level and (numbered) version.
  static func expected(_ c: Case, level: PSSLevel, minor: Int) -> Set<String> {
    Set(
      c.fails.filter { e in
        e.levels.contains(level.rawValue) && minor >= (e.from ?? 0) && minor <= (e.to ?? Int.max)
      }.map(\.check))
  }

  @Test func matrixMatchesExpectations() throws {
    let cases = try Self.cases()
    #expect(cases.count >= 90)
    var mismatches: [String] = []
    var evaluations = 0
    for c in cases {
      let path = Support.fixtures + "/pss/" + c.file
      let pod = try Support.pod(try Support.read(path), file: c.file)
      for level in [PSSLevel.baseline, .restricted] {
        var versions = (0...(PSSRegistry.newestMinor + 1)).map { PSSVersion.v1($0) }
        versions.append(.latest)
        for version in versions {
          let actual = Set(PSSRegistry.evaluate(pod, policy: PSSPolicy(level: level, version: version)).map(\.check.id))
          let want = Self.expected(c, level: level, minor: PSSRegistry.effectiveMinor(version))
          evaluations += 1
          if actual != want {
            mismatches.append("\(c.file) \(level.rawValue):\(version): got \(actual.sorted()) want \(want.sorted())")
          }
        }
      }
    }
    #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) mismatches:\n" + mismatches.prefix(40).joined(separator: "\n")))
    #expect(evaluations == cases.count * 2 * (PSSRegistry.newestMinor + 3))
  }

  /// The privileged level checks nothing.
  @Test func privilegedLevelAllowsEverything() throws {
    for c in try Self.cases() {
      let pod = try Support.pod(try Support.read(Support.fixtures + "/pss/" + c.file), file: c.file)
      #expect(PSSRegistry.evaluate(pod, policy: PSSPolicy(level: .privileged, version: .latest)).isEmpty)
    }
  }

  /// Every check has a failing fixture, and every version boundary of every check is exercised: some
  /// fixture's expectation for that check starts at the boundary or ends just before it.
  @Test func fixturesCoverEveryCheckAndVersionBoundary() throws {
    let cases = try Self.cases()
    let all = cases.flatMap(\.fails)
    for check in PSSRegistry.checks {
      let mine = all.filter { $0.check == check.id }
      #expect(!mine.isEmpty, "no failing fixture for \(check.id)")
      for v in check.versions.map(\.minimumMinor) where v > 0 {
        let covered =
          mine.contains { ($0.from ?? 0) == v || ($0.to.map { $0 + 1 } == v) }
          // A new version that only adds an exemption is covered by a fixture that stops failing there.
          || cases.contains { c in c.fails.contains { $0.check == check.id && $0.to == v - 1 } }
        #expect(covered, "version v1.\(v) of \(check.id) has no boundary fixture")
      }
    }
  }

  /// Restricted never allows what baseline forbids, at any version.
  @Test func restrictedIncludesBaseline() throws {
    for c in try Self.cases() {
      let pod = try Support.pod(try Support.read(Support.fixtures + "/pss/" + c.file), file: c.file)
      for minor in 0...PSSRegistry.newestMinor {
        let b = !PSSRegistry.evaluate(pod, policy: PSSPolicy(level: .baseline, version: .v1(minor))).isEmpty
        let r = !PSSRegistry.evaluate(pod, policy: PSSPolicy(level: .restricted, version: .v1(minor))).isEmpty
        #expect(!b || r, "\(c.file) v1.\(minor): baseline fails but restricted passes")
      }
    }
  }
}
