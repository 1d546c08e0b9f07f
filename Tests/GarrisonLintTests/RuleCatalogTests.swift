import Foundation
import GarrisonCore
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// The rule catalog is read from the YAML tree directly: the shipped files give exactly the rules `Codable` gives
/// from their JSON value, and a malformed file is refused with the field that is wrong.
@Suite struct RuleCatalogTests {
  private struct File: Decodable { var rules: [Rule] }

  @Test func shippedCatalogReadsAsCodableReadsIt() throws {
    let directory = Support.repoRoot + "/Policies/lint"
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
    #expect(files.count >= 3)
    for f in files {
      let path = directory + "/" + f
      let text = try Support.read(path)
      let direct = try RuleCatalog.parse(text, file: path)
      #expect(!direct.isEmpty)
      #expect(direct == (try YAMLTree.decode(File.self, from: text, file: path).rules), "\(f)")
    }
  }

  @Test func optionalFieldsMayBeAbsentOrNull() throws {
    let rules = try RuleCatalog.parse(
      """
      other: ignored
      rules:
        - {id: a.b, severity: info, title: T, description: D, remediation: R, helpUri: null, extra: [1]}
        - {id: a.c, severity: error, title: "1", description: D, remediation: R, level: baseline, since: v1.0, k8sCheck: k}
      """, file: "c.yaml")
    #expect(rules.count == 2)
    #expect(rules[0].helpUri == nil && rules[0].level == nil && rules[0].severity == .info)
    #expect(rules[1].title == "1" && rules[1].level == "baseline" && rules[1].since == "v1.0" && rules[1].k8sCheck == "k")
  }

  @Test(arguments: [
    ("", "the file is empty"),
    ("rules: {}", "rules: expected a list"),
    ("- a", "the file (line 1): expected a mapping"),
    ("rules: [x]", "rules[0] (line 1): expected a mapping"),
    ("rules: [{severity: info, title: T, description: D, remediation: R}]", "rules[0].id: missing"),
    ("rules: [{id: a, severity: fatal, title: T, description: D, remediation: R}]", "rules[0].severity: \"fatal\" is not"),
    ("rules: [{id: a, severity: info, title: 1.5, description: D, remediation: R}]", "rules[0].title (line 1): expected a string"),
    ("rules: [{id: a, severity: info, title: T, description: [D], remediation: R}]", "rules[0].description (line 1): expected"),
    ("rules: [{id: a, severity: info, title: T, description: D, remediation: null}]", "rules[0].remediation: missing"),
    ("rules: [{id: a, severity: info, title: T, description: D, remediation: R, since: true}]", "rules[0].since (line 1)"),
  ])
  func malformedFilesAreRefused(text: String, message: String) {
    #expect {
      _ = try RuleCatalog.parse(text, file: "c.yaml")
    } throws: { error in
      guard let e = error as? GarrisonError else { return false }
      return e.code == .invalid && e.message.hasPrefix("c.yaml: ") && e.message.contains(message)
    }
  }
}
