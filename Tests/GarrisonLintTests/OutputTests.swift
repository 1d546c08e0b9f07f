import Foundation
#if canImport(FoundationXML)
  import FoundationXML
#endif
import GarrisonManifest
import GarrisonTestSupport
import Testing

@testable import GarrisonLint

/// Output formats over the golden input: text (golden file), JSON, SARIF (validated against the OASIS
/// SARIF 2.1.0 schema with Python jsonschema) and JUnit (parsed as XML).
@Suite struct OutputTests {
  static let dir = Support.fixtures + "/golden"

  static func report() throws -> (LintReport, RuleCatalog) {
    let text = try Support.read(dir + "/input.yaml")
    let load = ManifestLoader.parse(text: text, file: "input.yaml")
    let catalog = try Support.catalog()
    return (LintEngine(catalog: catalog, options: LintOptions()).lint(load, files: ["input.yaml"]), catalog)
  }

  /// Compares with a golden file; `GARRISON_UPDATE_GOLDEN=1` rewrites the file in the source tree.
  static func golden(_ name: String, _ actual: String) throws {
    let source = Support.repoRoot + "/Tests/GarrisonLintTests/Fixtures/golden/" + name
    if ProcessInfo.processInfo.environment["GARRISON_UPDATE_GOLDEN"] == "1" {
      try actual.write(toFile: source, atomically: true, encoding: .utf8)
    }
    let expected = try Support.read(dir + "/" + name)
    #expect(actual == expected, "golden \(name) differs; run with GARRISON_UPDATE_GOLDEN=1 and review the diff")
  }

  @Test func reportContents() throws {
    let (r, _) = try Self.report()
    #expect(r.objectCount == 3)
    #expect(r.hasInputErrors)
    #expect(r.suppressed.map(\.finding.checkID) == ["hardening.imageDigest"])
    let ids = Set(r.findings.map(\.checkID))
    // The DaemonSet is in the baseline namespace: baseline checks only.
    #expect(
      ids.isSuperset(of: [
        "pss.privileged", "pss.hostNamespaces", "pss.hostPathVolumes", "hardening.sensitiveHostPath", "garrison.parseError",
      ]))
    #expect(!ids.contains("pss.runAsNonRoot") && !ids.contains("pss.restrictedVolumes"))
    // The Deployment is clean apart from the exempted digest finding.
    #expect(!r.findings.contains { $0.object?.name == "web" })
  }

  @Test func textGolden() throws {
    let (r, c) = try Self.report()
    try Self.golden("report.txt", TextFormatter(catalog: c, color: false).render(r))
    let colored = TextFormatter(catalog: c, color: true).render(r)
    #expect(colored.contains("\u{1B}[31;1merror"))
    #expect(!TextFormatter(catalog: c, color: false).render(r).contains("\u{1B}"))
  }

  @Test func jsonIsParsable() throws {
    let (r, _) = try Self.report()
    let json = try JSONFormatter().render(r)
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let summary = try #require(obj["summary"] as? [String: Any])
    #expect(summary["objects"] as? Int == 3)
    #expect(summary["errors"] as? Int == r.count(.error))
    let findings = try #require(obj["findings"] as? [[String: Any]])
    #expect(findings.count == r.findings.count)
    let priv = try #require(findings.first { $0["checkID"] as? String == "pss.privileged" })
    #expect((priv["location"] as? [String: Any])?["line"] as? Int == 70)
    #expect(priv["field"] as? String == "spec.template.spec.containers[0].securityContext.privileged")
    try Self.golden("report.json", json)
  }

  @Test(HostTools.jsonSchema) func sarifValidatesAgainstSchema() throws {
    let (r, c) = try Self.report()
    let sarif = try SARIFFormatter(catalog: c).render(r)
    let errors = try JSONSchemaCheck.errors(
      documents: [sarif], schema: Support.fixtures + "/sarif/sarif-schema-2.1.0.json",
      formats: false)
    #expect(errors == [nil], "SARIF does not validate against the 2.1.0 schema: \(errors)")

    // Structure GitHub code scanning relies on.
    let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.utf8)) as? [String: Any])
    #expect(log["version"] as? String == "2.1.0")
    let run = try #require((log["runs"] as? [[String: Any]])?.first)
    let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count == r.findings.count + r.suppressed.count)
    for res in results {
      let i = try #require(res["ruleIndex"] as? Int)
      #expect(rules[i]["id"] as? String == res["ruleId"] as? String)
      let region = (((res["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Any])
      #expect((region?["startLine"] as? Int ?? 0) >= 1)
    }
    #expect(results.contains { ($0["suppressions"] as? [[String: Any]])?.first?["kind"] as? String == "inSource" })
    #expect(rules.allSatisfy { ($0["shortDescription"] as? [String: Any])?["text"] != nil })
  }

  @Test func sarifURIs() {
    #expect(SARIFFormatter.uri(for: "deploy/app.yaml") == "deploy/app.yaml")
    #expect(SARIFFormatter.uri(for: "./app.yaml") == "app.yaml")
    #expect(SARIFFormatter.uri(for: "/abs/my app.yaml") == "file:///abs/my%20app.yaml")
    #expect(SARIFFormatter.uri(for: "-") == "stdin")
  }

  @Test func junitIsWellFormed() throws {
    let (r, _) = try Self.report()
    let xml = JUnitFormatter(failOn: .error).render(r)
    let doc = try XMLDocument(xmlString: xml)
    let suites = try doc.nodes(forXPath: "/testsuites/testsuite")
    #expect(suites.count == 1)
    let failures = try doc.nodes(forXPath: "//testcase/failure")
    let errorCases = Set(r.findings.filter { $0.severity == .error }.map { "\($0.checkID) \($0.object?.description ?? "input")" })
    #expect(failures.count == errorCases.count)
    let warnOnly = JUnitFormatter(failOn: .none).render(r)
    #expect(try XMLDocument(xmlString: warnOnly).nodes(forXPath: "//failure").isEmpty)
    #expect(JUnitFormatter.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
  }
}
