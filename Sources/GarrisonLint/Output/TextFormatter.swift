import GarrisonManifest

/// Human output: findings grouped per file, one line each with `line:col`, severity, check ID, object
/// and message, then the field path and the fix; a summary line at the end. ANSI colour only when asked
/// (the command turns it on for a terminal).
public struct TextFormatter: Sendable {
  public var catalog: RuleCatalog
  public var color: Bool

  public init(catalog: RuleCatalog, color: Bool) {
    self.catalog = catalog
    self.color = color
  }

  private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

  private func severityLabel(_ s: Severity) -> String {
    let padded = s.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
    switch s {
    case .error: return paint(padded, "31;1")
    case .warning: return paint(padded, "33")
    case .info: return paint(padded, "36")
    }
  }

  public func render(_ report: LintReport) -> String {
    var out = ""
    write(report) { out += $0 }
    return out
  }

  /// Findings formatted per window; `write` hands each window's text to its sink, so the report is never held
  /// whole.
  static let window = 4096

  /// `render`, handed to `sink` piece by piece (each piece ends with a line break): the concatenation of the
  /// pieces is `render`'s text.
  public func write(_ report: LintReport, to sink: (String) -> Void) {
    let labels = severityLabels()
    // Findings grouped per file (indices, in order of first appearance), without copying them.
    var byFile: [String: [Int]] = [:]
    var order: [String] = []
    for (i, f) in report.findings.enumerated() {
      let file = f.location?.file ?? "(no file)"
      if byFile[file] == nil { order.append(file) }
      byFile[file, default: []].append(i)
    }
    // Each finding's lines are formatted in parallel batches, a window at a time, and written in order.
    let findings = report.findings
    let severityLabels = labels
    var out = ""
    for file in order {
      out += paint(file, "1") + "\n"
      let indices = byFile[file]!
      for start in stride(from: 0, to: indices.count, by: Self.window) {
        let part = indices[start..<min(start + Self.window, indices.count)]
        let batches = stride(from: part.startIndex, to: part.endIndex, by: 512).map { $0..<min($0 + 512, part.endIndex) }
        let blocks = Parallel.map(batches) { batch in
          var text = ""
          text.reserveCapacity(256 * batch.count)
          for i in batch { block(findings[indices[i]], labels: severityLabels, into: &text) }
          return text
        }
        for b in blocks { out += b }
        sink(out)
        out = ""
      }
    }
    sink(out + tail(report))
  }

  private func severityLabels() -> [Severity: String] {
    var labels: [Severity: String] = [:]
    for s in Severity.allCases { labels[s] = severityLabel(s) }
    return labels
  }

  /// The lines `write` gives one file's findings (all at that file's positions, in report order): the file's name,
  /// then each finding. Empty without findings.
  func fileGroup(_ findings: [Finding]) -> String {
    guard let first = findings.first else { return "" }
    let labels = severityLabels()
    var out = paint(first.location?.file ?? "(no file)", "1") + "\n"
    out.reserveCapacity(256 * findings.count)
    for f in findings { block(f, labels: labels, into: &out) }
    return out
  }

  /// What `write` writes after the findings: the `--effective` summaries and the summary line.
  func tail(_ report: LintReport) -> String {
    var out = ""
    if let effective = report.effective, !effective.isEmpty {
      out += paint("effective enforcement (policy compiler)", "1") + "\n"
      for e in effective {
        out += "  \(e.location.description): \(e.object) container \(e.container) [\(e.role)]: \(e.summary)\n"
      }
    }
    out += summary(report) + "\n"
    return out
  }

  /// One finding: position, severity, check, subject and message, then the field path and the fix; appended to
  /// `out` (no string of its own).
  private func block(_ f: Finding, labels: [Severity: String], into out: inout String) {
    out += "  "
    if let l = f.location {
      let start = out.utf8.count
      out += String(l.line)
      out += ":"
      out += String(l.column)
      Self.padTail(&out, from: start, 8)
    } else {
      out += "-       "
    }
    out += " "
    out += labels[f.severity]!
    out += " "
    out += color ? paint(f.checkID, "2") : f.checkID
    out += "  "
    var hasSubject = false
    if let o = f.object {
      out += o.kind
      out += " "
      if let namespace = o.namespace, !namespace.isEmpty {
        out += namespace
        out += "/"
      }
      out += o.name
      hasSubject = true
    }
    if let c = f.container {
      out += hasSubject ? " container " : "container "
      out += c
      hasSubject = true
    }
    if hasSubject { out += ": " }
    out += f.message
    out += "\n"
    if let field = f.field, !field.steps.isEmpty {
      out += "           at "
      field.write(to: &out)
      out += "\n"
    }
    if let p = f.policy, p.fromNamespaceLabel, f.checkID.hasPrefix("pss.") {
      // The run's summary names the default policy: say when a Namespace label chose another.
      out += "           policy "
      out += p.description
      out += "\n"
    }
    if let fix = f.remediation ?? catalog[f.checkID]?.remediation {
      out += "           fix: "
      out += fix
      out += "\n"
    }
  }

  /// Pads what was appended to `out` since the UTF-8 offset `start` (ASCII text: a position) with spaces up to
  /// `length`, or cuts it to `length` (`padding(toLength:withPad: " ", startingAt: 0)` without Foundation).
  static func padTail(_ out: inout String, from start: Int, _ length: Int) {
    let n = out.utf8.count - start
    if n < length {
      out += String(repeating: " ", count: length - n)
    } else if n > length {
      let whole = out
      out = String(decoding: whole.utf8.prefix(start + length), as: UTF8.self)
    }
  }

  /// `3 errors, 1 warning, 0 info in 4 objects from 2 files (restricted:latest; 1 suppressed)`.
  public func summary(_ report: LintReport) -> String {
    func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    var s = "\(plural(report.count(.error), "error")), \(plural(report.count(.warning), "warning")), "
    s += "\(report.count(.info)) info in \(plural(report.objectCount, "object")) from \(plural(report.files.count, "file"))"
    s += " (\(report.policy)"
    if report.objectsByNamespaceLabel > 0 {
      s += "; \(plural(report.objectsByNamespaceLabel, "object")) by namespace labels"
    }
    if !report.suppressed.isEmpty { s += "; \(report.suppressed.count) suppressed" }
    s += ")"
    if report.hasNoFindings && !report.hasInputErrors { s = paint("ok: ", "32") + s }
    return s
  }
}
