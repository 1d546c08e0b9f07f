import Foundation

/// SARIF 2.1.0 output for GitHub code scanning: one run, the rule metadata of every rule that has a
/// result (plus all PSS/hardening rules), one result per finding with a physical location (file and
/// region) and a logical location (the object), and suppressed findings with their `suppressions`.
public struct SARIFFormatter: Sendable {
  public var catalog: RuleCatalog
  public var toolVersion: String

  public init(catalog: RuleCatalog, toolVersion: String = "0.1.0") {
    self.catalog = catalog
    self.toolVersion = toolVersion
  }

  public func render(_ report: LintReport) throws -> String {
    let rules = catalog.sorted
    var index: [String: Int] = [:]
    for (i, r) in rules.enumerated() { index[r.id] = i }

    var results: [[String: Any]] = []
    for f in report.findings { results.append(result(f, index: index, suppression: nil)) }
    for s in report.suppressed { results.append(result(s.finding, index: index, suppression: s)) }

    let driver: [String: Any] = [
      "name": "garrison",
      "fullName": "garrison lint",
      "version": toolVersion,
      "semanticVersion": toolVersion,
      "informationUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
      "rules": rules.map(ruleDescriptor),
    ]
    let run: [String: Any] = [
      "tool": ["driver": driver],
      "columnKind": "unicodeCodePoints",
      "results": results,
      "invocations": [
        ["executionSuccessful": !report.hasInputErrors, "properties": ["pssPolicy": report.policy.description]]
      ],
    ]
    let log: [String: Any] = [
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
      "version": "2.1.0",
      "runs": [run],
    ]
    let data = try JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  private func ruleDescriptor(_ r: Rule) -> [String: Any] {
    var d: [String: Any] = [
      "id": r.id,
      "name": r.title.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        .filter { $0.isLetter || $0.isNumber },
      "shortDescription": ["text": r.title],
      "fullDescription": ["text": r.description],
      "help": ["text": r.remediation, "markdown": "**Fix:** \(r.remediation)"],
      "defaultConfiguration": ["level": r.severity.sarifLevel],
    ]
    if let uri = r.helpUri { d["helpUri"] = uri }
    var tags = ["security", r.category]
    if let level = r.level { tags.append("pss-\(level)") }
    var props: [String: Any] = ["tags": tags]
    if r.severity == .error { props["security-severity"] = "8.0" } else if r.severity == .warning {
      props["security-severity"] = "5.0"
    }
    if let since = r.since { props["since"] = since }
    d["properties"] = props
    return d
  }

  /// A SARIF URI for an input path: relative paths stay relative (to the repository root GitHub
  /// resolves them against); absolute paths become `file://` URIs; standard input is `stdin`.
  static func uri(for file: String) -> String {
    if file == "-" { return "stdin" }
    let allowed = CharacterSet.urlPathAllowed
    let encoded = file.addingPercentEncoding(withAllowedCharacters: allowed) ?? file
    if file.hasPrefix("/") { return "file://" + encoded }
    return encoded.hasPrefix("./") ? String(encoded.dropFirst(2)) : encoded
  }

  private func result(_ f: Finding, index: [String: Int], suppression: SuppressedFinding?) -> [String: Any] {
    var r: [String: Any] = [
      "ruleId": f.checkID,
      "level": f.severity.sarifLevel,
      "message": ["text": f.message],
    ]
    if let i = index[f.checkID] { r["ruleIndex"] = i }
    var location: [String: Any] = [:]
    if let loc = f.location {
      location["physicalLocation"] = [
        "artifactLocation": ["uri": Self.uri(for: loc.file)],
        "region": ["startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)],
      ]
    }
    if let obj = f.object {
      var name = obj.description
      if let c = f.container { name += "/" + c }
      var logical: [String: Any] = ["fullyQualifiedName": name, "kind": "object"]
      if let field = f.field { logical["decoratedName"] = field.description }
      location["logicalLocations"] = [logical]
    }
    if !location.isEmpty { r["locations"] = [location] }
    // A stable key for GitHub to track a result across runs: check, object, container, field.
    let key = [f.checkID, f.object?.description ?? "", f.container ?? "", f.field?.description ?? ""].joined(separator: "|")
    r["partialFingerprints"] = ["garrisonFinding/v1": key]
    var props: [String: Any] = [:]
    if let fix = f.remediation ?? catalog[f.checkID]?.remediation { props["remediation"] = fix }
    if let field = f.field { props["fieldPath"] = field.description }
    if !props.isEmpty { r["properties"] = props }
    if let s = suppression {
      var sup: [String: Any] = ["kind": s.source == "annotation" ? "inSource" : "external", "status": "accepted"]
      if let reason = s.reason { sup["justification"] = reason }
      r["suppressions"] = [sup]
    }
    return r
  }
}
