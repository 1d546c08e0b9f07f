import GarrisonCore
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
    // Padded to 7 characters (every severity's name is shorter), without Foundation's `padding(toLength:)`.
    let padded = s.rawValue + String(repeating: " ", count: max(0, 7 - s.rawValue.count))
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
          ByteSink.withSink(capacity: 320 * batch.count) { text in
            findings.withUnsafeBufferPointer { b in
              for i in batch { block(b.baseAddress! + indices[i], labels: severityLabels, into: &text) }
            }
            return String(decoding: text.bytes, as: UTF8.self)
          }
        }
        for b in blocks { out += b }
        sink(out)
        out = ""
      }
    }
    sink(out + tail(report))
  }

  /// The severity column's text per severity, as bytes.
  struct Labels {
    var error: [UInt8]
    var warning: [UInt8]
    var info: [UInt8]
    subscript(_ s: Severity) -> [UInt8] {
      switch s {
      case .error: return error
      case .warning: return warning
      case .info: return info
      }
    }
  }

  private func severityLabels() -> Labels {
    Labels(
      error: Array(severityLabel(.error).utf8), warning: Array(severityLabel(.warning).utf8), info: Array(severityLabel(.info).utf8))
  }

  /// The lines `write` gives one file's findings (all at that file's positions, in report order): the file's name,
  /// then each finding, appended to `out` as UTF-8 (a streamed run writes the bytes as they are: no string is
  /// made of them). Nothing without findings.
  func fileGroup(_ findings: [Finding]) -> OwnedBytes {
    guard let first = findings.first else { return OwnedBytes("") }
    let labels = severityLabels()
    // Written into a sink whose bytes are handed on as they are.
    return ByteSink.collect(capacity: 320 * findings.count + 256) { out in
      out.append(paint(first.location?.file ?? "(no file)", "1"))
      out.append(UInt8(ascii: "\n"))
      // Read in place: a `for f in findings` loop, or passing `b[i]`, copies each finding out.
      findings.withUnsafeBufferPointer { b in
        for i in b.indices { block(b.baseAddress! + i, labels: labels, into: &out) }
      }
    }
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
  /// `out` as UTF-8 (no string of its own). The finding is read where it is (not copied out with all its fields).
  private func block(_ p: UnsafePointer<Finding>, labels: Labels, into out: inout ByteSink) {
    out.appendLiteral("  ")
    if let l = p.pointee.location {
      let start = out.count
      Self.appendDecimal(l.line, to: &out)
      out.append(UInt8(ascii: ":"))
      Self.appendDecimal(l.column, to: &out)
      Self.padTail(&out, from: start, 8)
    } else {
      out.appendLiteral("-       ")
    }
    out.append(UInt8(ascii: " "))
    out.append(labels[p.pointee.severity])
    out.append(UInt8(ascii: " "))
    out.append((color ? paint(p.pointee.checkID, "2") : p.pointee.checkID))
    out.appendLiteral("  ")
    var hasSubject = false
    if let o = p.pointee.object {
      out.append(o.kind)
      out.append(UInt8(ascii: " "))
      if let namespace = o.namespace, !namespace.isEmpty {
        out.append(namespace)
        out.append(UInt8(ascii: "/"))
      }
      out.append(o.name)
      hasSubject = true
    }
    if let c = p.pointee.container {
      out.append((hasSubject ? " container " : "container "))
      out.append(c)
      hasSubject = true
    }
    if hasSubject { out.appendLiteral(": ") }
    out.append(p.pointee.message)
    out.append(UInt8(ascii: "\n"))
    if let field = p.pointee.field, !field.steps.isEmpty {
      out.appendLiteral("           at ")
      Self.appendPath(field, to: &out)
      out.append(UInt8(ascii: "\n"))
    }
    if let policy = p.pointee.policy, policy.fromNamespaceLabel, p.pointee.checkID.hasPrefix("pss.") {
      // The run's summary names the default policy: say when a Namespace label chose another.
      out.appendLiteral("           policy ")
      out.append(policy.description)
      out.append(UInt8(ascii: "\n"))
    }
    if let fix = p.pointee.remediation ?? catalog[p.pointee.checkID]?.remediation {
      out.appendLiteral("           fix: ")
      out.append(fix)
      out.append(UInt8(ascii: "\n"))
    }
  }

  /// Appends `n` in decimal (`String(n)`'s text).
  static func appendDecimal(_ n: Int, to out: inout ByteSink) {
    if n < 0 {
      out.append(String(n))
      return
    }
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { d in
      var i = d.count
      var v = n
      repeat {
        i -= 1
        d[i] = UInt8(ascii: "0") + UInt8(v % 10)
        v /= 10
      } while v > 0
      out.append(UnsafeBufferPointer(rebasing: d[i...]))
    }
  }

  /// Appends `path.description` (`FieldPath.write(to:)`'s text).
  static func appendPath(_ path: FieldPath, to out: inout ByteSink) {
    // Whether the path's text so far is non-empty: a field after it takes a dot.
    var written = false
    for step in path.steps {
      switch step {
      case .field(let f):
        if written { out.append(UInt8(ascii: ".")) }
        out.append(f)
        written = written || !f.isEmpty
      case .index(let i):
        out.append(UInt8(ascii: "["))
        appendDecimal(i, to: &out)
        out.append(UInt8(ascii: "]"))
        written = true
      case .key(let k):
        out.append(UInt8(ascii: "["))
        out.append(k)
        out.append(UInt8(ascii: "]"))
        written = true
      }
    }
  }

  /// Pads what was appended to `out` since `start` (ASCII text: a position) with spaces up to `length`, or cuts
  /// it to `length`.
  static func padTail(_ out: inout ByteSink, from start: Int, _ length: Int) {
    let n = out.count - start
    if n < length {
      out.append(repeating: UInt8(ascii: " "), count: length - n)
    } else if n > length {
      out.removeLast(n - length)
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
