import Foundation

/// SARIF 2.1.0 output for GitHub code scanning: one run, the metadata of every rule, one result per
/// finding with a physical location (file and region) and a logical location (the object), and
/// suppressed findings with their `suppressions`.
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
    var results = report.findings.map { result($0, index: index, suppression: nil) }
    results += report.suppressed.map { result($0.finding, index: index, suppression: $0) }
    let driver = SARIF.Driver(
      name: "garrison", fullName: "garrison lint", version: toolVersion, semanticVersion: toolVersion,
      informationUri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
      rules: rules.map(descriptor))
    let run = SARIF.Run(
      tool: SARIF.Tool(driver: driver), results: results,
      invocations: [
        SARIF.Invocation(executionSuccessful: !report.hasInputErrors, properties: ["pssPolicy": report.policy.description])
      ])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(SARIF.Log(runs: [run])), as: UTF8.self) + "\n"
  }

  private func descriptor(_ r: Rule) -> SARIF.ReportingDescriptor {
    var tags = ["security", r.category]
    if let level = r.level { tags.append("pss-\(level)") }
    let name = r.title.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
      .filter { $0.isLetter || $0.isNumber }
    return SARIF.ReportingDescriptor(
      id: r.id, name: name, shortDescription: SARIF.Text(text: r.title), fullDescription: SARIF.Text(text: r.description),
      help: SARIF.Text(text: r.remediation, markdown: "**Fix:** \(r.remediation)"), helpUri: r.helpUri,
      defaultConfiguration: SARIF.Configuration(level: r.severity.sarifLevel),
      properties: SARIF.RuleProperties(
        tags: tags, securitySeverity: r.severity == .error ? "8.0" : r.severity == .warning ? "5.0" : "2.0", since: r.since))
  }

  /// A SARIF URI for an input path: relative paths stay relative (to the repository root GitHub
  /// resolves them against); absolute paths become `file://` URIs; standard input is `stdin`.
  static func uri(for file: String) -> String {
    if file == "-" { return "stdin" }
    let encoded = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
    if file.hasPrefix("/") { return "file://" + encoded }
    return encoded.hasPrefix("./") ? String(encoded.dropFirst(2)) : encoded
  }

  private func result(_ f: Finding, index: [String: Int], suppression: SuppressedFinding?) -> SARIF.Result {
    var location = SARIF.Location()
    if let loc = f.location {
      location.physicalLocation = SARIF.PhysicalLocation(
        artifactLocation: SARIF.ArtifactLocation(uri: Self.uri(for: loc.file)),
        region: SARIF.Region(startLine: max(loc.line, 1), startColumn: max(loc.column, 1)))
    }
    if let obj = f.object {
      let name = obj.description + (f.container.map { "/" + $0 } ?? "")
      location.logicalLocations = [
        SARIF.LogicalLocation(fullyQualifiedName: name, decoratedName: f.field?.description, kind: "object")
      ]
    }
    var props: [String: String] = [:]
    if let fix = f.remediation ?? catalog[f.checkID]?.remediation { props["remediation"] = fix }
    if let field = f.field { props["fieldPath"] = field.description }
    if let p = f.policy {
      props["pssPolicy"] = p.pss.description
      props["pssPolicySource"] = p.source
    }
    // A stable key for GitHub to track a result across runs: check, object, container, field.
    let key = [f.checkID, f.object?.description ?? "", f.container ?? "", f.field?.description ?? ""].joined(separator: "|")
    return SARIF.Result(
      ruleId: f.checkID, ruleIndex: index[f.checkID], level: f.severity.sarifLevel, message: SARIF.Text(text: f.message),
      locations: location.physicalLocation == nil && location.logicalLocations == nil ? nil : [location],
      partialFingerprints: ["garrisonFinding/v1": key], properties: props.isEmpty ? nil : props,
      suppressions: suppression.map { s in
        [SARIF.Suppression(kind: s.source == "annotation" ? "inSource" : "external", status: "accepted", justification: s.reason)]
      })
  }
}
