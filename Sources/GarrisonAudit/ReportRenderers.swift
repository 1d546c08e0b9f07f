import GarrisonCore
/// Output formats of `garrison audit report`.
public enum ReportFormat: String, Sendable, CaseIterable {
  case text, markdown, json, html
}

extension AuditReport {
  /// Renders the report in `format`.
  public func render(_ format: ReportFormat) -> String {
    switch format {
    case .text: return renderText()
    case .markdown: return renderMarkdown()
    case .json: return jsonValue.canonicalString + "\n"
    case .html: return HTMLReport.render(self)
    }
  }

  /// Plain text with aligned columns.
  public func renderText() -> String {
    var out = "Garrison audit report\n=====================\n"
    for table in tables {
      out += "\n\(table.title)\n" + String(repeating: "-", count: table.title.count) + "\n"
      if table.rows.isEmpty { out += "  \(table.emptyText)\n"; continue }
      let showHeader = !table.headers.allSatisfy(\.isEmpty)
      let all = (showHeader ? [table.headers] : []) + table.rows
      var widths = [Int](repeating: 0, count: table.headers.count)
      for row in all { for (i, c) in row.enumerated() where i < widths.count - 1 { widths[i] = max(widths[i], c.count) } }
      for row in all {
        out +=
          "  "
          + row.enumerated().map { i, c in
            i < widths.count - 1 ? c + String(repeating: " ", count: widths[i] - c.count) : c
          }.joined(separator: "  ") + "\n"
      }
    }
    return out
  }

  /// GitHub-flavoured Markdown tables.
  public func renderMarkdown() -> String {
    func cell(_ s: String) -> String { s.replacingAll("|", with: "\\|") }
    var out = "# Garrison audit report\n"
    for table in tables {
      out += "\n## \(table.title)\n\n"
      if table.rows.isEmpty { out += "_\(table.emptyText)_\n"; continue }
      let headers = table.headers.allSatisfy(\.isEmpty) ? ["item", "value"] : table.headers
      out += "| " + headers.map(cell).joined(separator: " | ") + " |\n"
      out += "|" + headers.map { _ in " --- |" }.joined() + "\n"
      for row in table.rows { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
    }
    return out
  }

  /// The report as JSON (stable key order).
  public var jsonValue: JSONValue {
    func counts(_ d: [String: Int]) -> JSONValue { .object(d.mapValues { .integer($0) }) }
    func sets(_ d: [String: Set<String>]) -> JSONValue { .object(d.mapValues { .strings($0.sorted()) }) }
    func items(_ l: [Item]) -> JSONValue {
      .array(
        l.map {
          [
            "seq": .int(Int64($0.seq)), "time": .string($0.time.description), "kind": .string($0.kind.rawValue),
            "outcome": .string($0.outcome.rawValue), "pod": .string($0.pod), "container": .string($0.container),
            "summary": .string($0.summary),
          ]
        })
    }
    let r = trimmed()
    return [
      "total": .integer(total), "from": .optional(firstTime?.description), "to": .optional(lastTime?.description),
      "filter": [
        "since": .optional(filter.since?.description), "until": .optional(filter.until?.description),
        "namespace": .optional(filter.namespace), "pod": .optional(filter.pod),
        "kinds": .strings(filter.kinds.map(\.rawValue).sorted()),
      ],
      "by_kind": .object(
        Dictionary(
          uniqueKeysWithValues: byKindOutcome.map { k, o in
            (k.rawValue, JSONValue.object(Dictionary(uniqueKeysWithValues: o.map { ($0.key.rawValue, JSONValue.integer($0.value)) })))
          })),
      "by_outcome": .object(Dictionary(uniqueKeysWithValues: byOutcome.map { ($0.key.rawValue, JSONValue.integer($0.value)) })),
      "privileged_pods": sets(privilegedPods), "host_namespace_pods": sets(hostNamespacePods),
      "capabilities_beyond_default": sets(capabilitiesBeyondDefault), "hostpath_mounts": sets(hostPathMounts),
      "exec": ["count": .integer(execCount), "latest": items(r.execSessions)],
      "seccomp": ["total": .integer(seccompTotal), "by_syscall": counts(seccompBySyscall), "by_container": counts(seccompByContainer)],
      "readback_mismatches": ["count": .integer(readbackMismatchCount), "latest": items(r.readbackMismatches)],
      "fallbacks": ["count": .integer(fallbackCount), "latest": items(r.fallbacks)],
      "oom_kills": counts(oomKillsByContainer),
      "failures": ["count": .integer(failureCount), "latest": items(r.failures)],
      "recoveries": items(r.recoveries),
      "per_pod": .object(
        perPod.mapValues { k in .object(Dictionary(uniqueKeysWithValues: k.map { ($0.key.rawValue, JSONValue.integer($0.value)) })) }),
    ]
  }
}

extension String {
  func replacingAll(_ a: String, with b: String) -> String {
    guard !a.isEmpty else { return self }
    var out = ""
    var rest = self[...]
    while let r = rest.firstRange(of: a) {
      out += rest[..<r.lowerBound]
      out += b
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}
