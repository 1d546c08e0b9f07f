import Foundation

/// Machine output: the whole report as JSON with sorted keys (stable for diffs).
public struct JSONFormatter: Sendable {
  public init() {}

  private struct Document: Encodable {
    var tool = "garrison lint"
    var policy: PSSPolicy
    var summary: Summary
    var findings: [Finding]
    var suppressed: [SuppressedFinding]
    var effective: [EffectiveContainer]?
  }
  private struct Summary: Encodable {
    var objects: Int
    var files: [String]
    var errors: Int
    var warnings: Int
    var info: Int
    var suppressed: Int
    var inputErrors: Bool
    /// Pod-bearing objects checked at a level or version a Namespace label set (each finding's `policy` says).
    var objectsByNamespaceLabel: Int
  }

  /// The whole report through `JSONEncoder` (the reference `write` reproduces byte for byte).
  public func render(_ report: LintReport) throws -> String {
    let doc = Document(
      policy: report.policy,
      summary: Summary(
        objects: report.objectCount, files: report.files, errors: report.count(.error),
        warnings: report.count(.warning), info: report.count(.info), suppressed: report.suppressed.count,
        inputErrors: report.hasInputErrors, objectsByNamespaceLabel: report.objectsByNamespaceLabel),
      findings: report.findings, suppressed: report.suppressed, effective: report.effective)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
  }

  /// Findings per piece handed to the sink.
  static let window = 2048

  /// `render`'s text, handed to `sink` in pieces (a window of findings each), so a large report's JSON is never
  /// held whole. With `--effective` data the report goes through `render`.
  public func write(_ report: LintReport, to sink: (String) -> Void) throws {
    if report.effective != nil {
      sink(try render(report))
      return
    }
    var w = JSONStreamWriter()
    w.beginObject()
    w.key("findings")
    w.beginArray()
    for (i, f) in report.findings.enumerated() {
      w.element()
      Self.finding(f, &w)
      if i % Self.window == Self.window - 1 { sink(w.take()) }
    }
    try tail(report, &w)
    sink(w.take() + "\n")
  }

  /// What `write` writes before the first finding.
  static let head = "{\n  \"findings\" : [\n"

  /// One file's findings as `write` writes them, without the `,` line break that separates them from the
  /// findings before (an array's elements are joined by `,\n`).
  static func elements(_ findings: [Finding]) -> String {
    var w = JSONStreamWriter(depth: 2)
    // Read in place: a `for f in findings` loop copies each finding out.
    findings.withUnsafeBufferPointer { b in
      for i in b.indices {
        w.element()
        finding(b[i], &w)
      }
    }
    return w.take()
  }

  /// What `write` writes after the last finding (`w` is where the last finding ended), without the final line
  /// break.
  func tail(_ report: LintReport, _ w: inout JSONStreamWriter) throws {
    w.endArray()
    w.key("policy")
    try w.fragment(report.policy)
    w.key("summary")
    try w.fragment(
      Summary(
        objects: report.objectCount, files: report.files, errors: report.count(.error),
        warnings: report.count(.warning), info: report.count(.info), suppressed: report.suppressed.count,
        inputErrors: report.hasInputErrors, objectsByNamespaceLabel: report.objectsByNamespaceLabel))
    w.key("suppressed")
    w.beginArray()
    for s in report.suppressed {
      w.element()
      w.beginObject()
      w.key("finding")
      Self.finding(s.finding, &w)
      w.member("reason", ifPresent: s.reason)
      w.member("source", s.source)
      w.endObject()
    }
    w.endArray()
    w.member("tool", "garrison lint")
    w.endObject()
  }

  /// A `Finding` as its `Encodable` conformance writes it, keys sorted.
  static func finding(_ f: Finding, _ w: inout JSONStreamWriter) {
    w.beginObject()
    w.member("checkID", f.checkID)
    w.member("container", ifPresent: f.container)
    w.member("field", ifPresent: f.field?.description)
    w.member("image", ifPresent: f.image)
    if let l = f.location {
      w.key("location")
      w.beginObject()
      w.member("column", l.column)
      w.member("file", l.file)
      w.member("line", l.line)
      w.endObject()
    }
    w.member("message", f.message)
    if let o = f.object {
      w.key("object")
      w.beginObject()
      w.member("kind", o.kind)
      w.member("name", o.name)
      w.member("namespace", ifPresent: o.namespace)
      w.endObject()
    }
    if let p = f.policy {
      w.key("policy")
      w.beginObject()
      w.member("level", p.level.rawValue)
      w.member("source", p.source)
      w.member("version", p.version.description)
      w.endObject()
    }
    w.member("remediation", ifPresent: f.remediation)
    w.member("severity", f.severity.rawValue)
    w.endObject()
  }
}
