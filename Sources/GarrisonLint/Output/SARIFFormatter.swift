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

  /// Results per piece handed to the sink.
  static let window = 1024

  /// `render`'s text, handed to `sink` in pieces (a window of results each), so a large report's SARIF is never
  /// held whole.
  public func write(_ report: LintReport, to sink: (String) -> Void) throws {
    let index = ruleIndex()
    sink(try head(hasInputErrors: report.hasInputErrors, policy: report.policy))
    var w = JSONStreamWriter(depth: Self.resultDepth)
    var n = 0
    for f in report.findings {
      w.element()
      Self.write(result(f, index: index, suppression: nil), &w)
      n += 1
      if n % Self.window == 0 { sink(w.take()) }
    }
    try tail(suppressed: report.suppressed, index: index, afterResults: false, &w, to: sink)
  }

  /// How deep the `results` array's elements are indented (`runs`, its run, `results`).
  static let resultDepth = 4

  /// Each rule's position in the driver's `rules` (the catalog sorted): a result's `ruleIndex`.
  func ruleIndex() -> [String: Int] {
    var index: [String: Int] = [:]
    for (i, r) in catalog.sorted.enumerated() { index[r.id] = i }
    return index
  }

  /// What `write` writes before the first result, through `"results" : [` and its line break. The invocation
  /// (`executionSuccessful`) precedes the results: the document's keys are sorted.
  func head(hasInputErrors: Bool, policy: PSSPolicy) throws -> String {
    var w = JSONStreamWriter()
    w.beginObject()
    w.member("$schema", SARIF.Log.schemaURI)
    w.key("runs")
    w.beginArray()
    w.element()
    w.beginObject()
    w.member("columnKind", "unicodeCodePoints")
    w.key("invocations")
    try w.fragment([SARIF.Invocation(executionSuccessful: !hasInputErrors, properties: ["pssPolicy": policy.description])])
    w.key("results")
    w.beginArray()
    return w.take()
  }

  /// Findings' results as `write` writes them, without the `,` line break that separates them from the results
  /// before (an array's elements are joined by `,\n`).
  func elements(_ findings: [Finding], index: [String: Int]) -> String {
    var w = JSONStreamWriter(depth: Self.resultDepth)
    // Read in place: a `for f in findings` loop copies each finding out.
    findings.withUnsafeBufferPointer { b in
      for i in b.indices {
        w.element()
        Self.write(result(b[i], index: index, suppression: nil), &w)
      }
    }
    return w.take()
  }

  /// What `write` writes after the findings' results: the suppressed findings' results, the end of `results`,
  /// the tool and the document's end with its line break. `w` is a writer at the results' depth, where the last
  /// result ended; `afterResults` says that results were written before it by another writer.
  func tail(
    suppressed: [SuppressedFinding], index: [String: Int], afterResults: Bool, _ w: inout JSONStreamWriter,
    to sink: (String) -> Void
  ) throws {
    var n = 0
    for s in suppressed {
      if n == 0 && afterResults { w.following() }
      w.element()
      Self.write(result(s.finding, index: index, suppression: s), &w)
      n += 1
      if n % Self.window == 0 { sink(w.take()) }
    }
    w.endArray()
    w.key("tool")
    let driver = SARIF.Driver(
      name: "garrison", fullName: "garrison lint", version: toolVersion, semanticVersion: toolVersion,
      informationUri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
      rules: catalog.sorted.map(descriptor))
    try w.fragment(SARIF.Tool(driver: driver))
    w.endObject()
    w.endArray()
    w.member("version", "2.1.0")
    w.endObject()
    sink(w.take() + "\n")
  }

  /// A result as its `Encodable` conformance writes it, keys sorted.
  static func write(_ r: SARIF.Result, _ w: inout JSONStreamWriter) {
    w.beginObject()
    w.member("level", r.level)
    if let locations = r.locations {
      w.key("locations")
      w.beginArray()
      for l in locations {
        w.element()
        w.beginObject()
        if let logical = l.logicalLocations {
          w.key("logicalLocations")
          w.beginArray()
          for x in logical {
            w.element()
            w.beginObject()
            w.member("decoratedName", ifPresent: x.decoratedName)
            w.member("fullyQualifiedName", x.fullyQualifiedName)
            w.member("kind", x.kind)
            w.endObject()
          }
          w.endArray()
        }
        if let p = l.physicalLocation {
          w.key("physicalLocation")
          w.beginObject()
          w.key("artifactLocation")
          w.beginObject()
          w.member("uri", p.artifactLocation.uri)
          w.endObject()
          w.key("region")
          w.beginObject()
          w.member("startColumn", p.region.startColumn)
          w.member("startLine", p.region.startLine)
          w.endObject()
          w.endObject()
        }
        w.endObject()
      }
      w.endArray()
    }
    w.key("message")
    w.beginObject()
    w.member("markdown", ifPresent: r.message.markdown)
    w.member("text", r.message.text)
    w.endObject()
    w.key("partialFingerprints")
    stringMap(r.partialFingerprints, &w)
    if let p = r.properties {
      w.key("properties")
      stringMap(p, &w)
    }
    w.member("ruleId", r.ruleId)
    if let i = r.ruleIndex { w.member("ruleIndex", i) }
    if let suppressions = r.suppressions {
      w.key("suppressions")
      w.beginArray()
      for x in suppressions {
        w.element()
        w.beginObject()
        w.member("justification", ifPresent: x.justification)
        w.member("kind", x.kind)
        w.member("status", x.status)
        w.endObject()
      }
      w.endArray()
    }
    w.endObject()
  }

  private static func stringMap(_ map: [String: String], _ w: inout JSONStreamWriter) {
    w.beginObject()
    for k in map.keys.sorted() { w.member(k, map[k]!) }
    w.endObject()
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
