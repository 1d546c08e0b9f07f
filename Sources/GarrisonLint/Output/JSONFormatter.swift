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
}
