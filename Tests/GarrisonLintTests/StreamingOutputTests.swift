import Foundation
import GarrisonCore
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// The streamed reports (`OutputFormat.write`, what `garrison lint` prints) are byte for byte the rendered ones
/// (`render`: JSON and SARIF through `JSONEncoder`), across windows and with strings that need escaping.
@Suite struct StreamingOutputTests {
  /// Findings with every optional field set and unset, and texts with quotes, backslashes, slashes, control
  /// characters and non-ASCII characters; more of them than one streaming window holds.
  static func report(count: Int) -> LintReport {
    let texts = [
      "plain", "quote \" and backslash \\ and slash /", "tab\tnew\nline\r\u{1}\u{1F}\u{7F}", "café ☃ 🚀", "", "a/b\\\"c",
    ]
    var findings: [Finding] = []
    for i in 0..<count {
      let t = texts[i % texts.count]
      var f = Finding(
        checkID: i % 3 == 0 ? "pss.privileged" : "hardening.imageTag", severity: Severity.allCases[i % 3],
        object: i % 5 == 0 ? nil : ObjectRef(kind: "Pod", namespace: i % 2 == 0 ? nil : "ns-\(t)", name: "pod-\(i)"),
        container: i % 4 == 0 ? nil : "app \(t)", image: i % 2 == 0 ? nil : "registry.example/\(t):1",
        field: i % 7 == 0 ? nil : FieldPath("spec.containers[\(i % 3)].image").appending(key: t),
        location: i % 11 == 0 ? nil : SourceLocation(file: "dir \(i % 4)/\(t).yaml", line: i, column: i % 9),
        message: "message \(i): \(t)", remediation: i % 6 == 0 ? nil : "fix \(t)")
      if i % 2 == 1 {
        f.policy = AppliedPolicy(level: .baseline, version: PSSVersion(parsing: "v1.30")!, source: "Namespace \(t) (x.yaml:1:1)")
      }
      findings.append(f)
    }
    let suppressed = findings.prefix(7).enumerated().map { i, f in
      SuppressedFinding(finding: f, source: i % 2 == 0 ? "annotation" : "config", reason: i % 3 == 0 ? nil : texts[i % texts.count])
    }
    return LintReport(
      findings: findings, suppressed: Array(suppressed), objectCount: count, files: ["a.yaml", "dir/é \"b\".yaml"],
      policy: PSSPolicy(level: .restricted, version: .latest), hasInputErrors: count % 2 == 1)
  }

  static func streamed(_ format: OutputFormat, _ report: LintReport, _ catalog: RuleCatalog) throws -> (String, Int) {
    var text = ""
    var pieces = 0
    try format.write(report, catalog: catalog, failOn: .error, color: false) {
      text += $0
      pieces += 1
    }
    return (text, pieces)
  }

  @Test(arguments: [OutputFormat.text, .json, .sarif, .junit], [0, 1, 5, 5000])
  func streamedEqualsRendered(format: OutputFormat, count: Int) throws {
    let catalog = try Support.catalog()
    let report = Self.report(count: count)
    let rendered = try format.render(report, catalog: catalog, failOn: .error, color: false)
    let (streamed, pieces) = try Self.streamed(format, report, catalog)
    #expect(streamed == rendered)
    if count == 5000 && format != .junit { #expect(pieces > 2, "a large report is written in pieces") }
  }

  @Test(arguments: [OutputFormat.text, .json, .sarif])
  func goldenInputStreamedEqualsRendered(format: OutputFormat) throws {
    let (report, catalog) = try OutputTests.report()
    let rendered = try format.render(report, catalog: catalog, failOn: .error, color: false)
    #expect(try Self.streamed(format, report, catalog).0 == rendered)
  }

  @Test func coloredTextStreamedEqualsRendered() throws {
    let catalog = try Support.catalog()
    let report = Self.report(count: 300)
    var text = ""
    TextFormatter(catalog: catalog, color: true).write(report) { text += $0 }
    #expect(text == TextFormatter(catalog: catalog, color: true).render(report))
  }

  /// The engine orders each object's findings; the report's sort then keeps input already in order as is, and
  /// sorting a tail in place gives what sorting the whole gives.
  @Test func sortingInPiecesEqualsSortingWhole() {
    let findings = Self.report(count: 200).findings.reversed() + Self.report(count: 50).findings
    let whole = Finding.sorted(Array(findings))
    #expect(Finding.isOrdered(whole, from: 0))
    #expect(Finding.sorted(whole) == whole)
    var pieces = Array(findings)
    Finding.sortInPlace(&pieces, from: 0)
    #expect(pieces == whole)
    var tail = Array(findings)
    Finding.sortInPlace(&tail, from: 120)
    #expect(Array(tail.prefix(120)) == Array(findings.prefix(120)))
    #expect(Array(tail.dropFirst(120)) == Finding.sorted(Array(findings.dropFirst(120))))
    // One object's few findings are sorted by insertion: the same order, equal keys kept in input order.
    var twins = Array(findings.prefix(40))
    for i in stride(from: 0, to: 40, by: 3) {
      var twin = twins[i]
      twin.container = "twin \(i)"
      twins.insert(twin, at: i / 2)
    }
    for n in [2, 3, 10, 40, 53, 64, 65] {
      let part = Array(twins.prefix(n))
      var sorted = part
      Finding.sortInPlace(&sorted, from: 0)
      #expect(sorted == Finding.sorted(part), "\(n) findings")
      var offset = Array(findings.prefix(5)) + part
      Finding.sortInPlace(&offset, from: 5)
      #expect(Array(offset.dropFirst(5)) == Finding.sorted(part), "\(n) findings after 5")
    }
  }
}
