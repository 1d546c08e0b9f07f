import GarrisonCore
/// Renders the report as one self-contained HTML page: a stacked timeline and a per-pod breakdown as inline SVG,
/// then every table. No scripts, fonts or network resources.
public enum HTMLReport {
  /// Escapes text for HTML element content and attribute values.
  public static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }

  static let outcomeColors: [(AuditOutcome, String)] = [(.allowed, "#3b82c4"), (.denied, "#e08a1e"), (.error, "#c8372d")]

  /// Kind groups used to colour the per-pod bars.
  static let groups: [(name: String, color: String, kinds: Set<AuditKind>)] = [
    (
      "lifecycle", "#3b82c4",
      [
        .podAdmitted, .containerStarted, .containerExited, .containerExec, .hookRun, .auditRecovered,
        .auditCheckpoint, .execStarted, .execEnded, .portForwardOpened, .portForwardClosed,
        .workloadScaled, .workloadRolloutStarted, .workloadRolloutCompleted, .podReplaced,
      ]
    ),
    ("risk", "#8e5bb5", [.privilegedContainer, .hostNamespace, .hostPathMount, .capabilityBeyondDefault]),
    (
      "enforcement", "#e08a1e",
      [
        .podRefused, .enforcementReadback, .enforcementFallback, .lsmUnavailable,
        .lsmProfileLoaded, .admissionDecision,
      ]
    ),
    ("runtime", "#c8372d", [.seccompDenied, .containerOOMKilled, .probeKilled, .supervisorStateRebuilt]),
  ]

  /// The whole page.
  public static func render(_ report: AuditReport) -> String { render(report, template: HTMLTemplate.report) }

  /// The whole page from a custom template with the same placeholders.
  public static func render(_ report: AuditReport, template: String) -> String {
    let meta = "\(report.total) events" + (report.firstTime.map { " from \($0)" } ?? "") + (report.lastTime.map { " to \($0)" } ?? "")
    var tables = ""
    for t in report.tables {
      tables += "<h2>\(escape(t.title))</h2>\n"
      if t.rows.isEmpty { tables += "<p class=\"empty\">\(escape(t.emptyText))</p>\n"; continue }
      tables += "<table>\n"
      if !t.headers.allSatisfy(\.isEmpty) {
        tables += "<tr>" + t.headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
      }
      for row in t.rows {
        tables +=
          "<tr>"
          + row.map { c in
            let numeric = !c.isEmpty && c.allSatisfy { $0.isASCII && $0.isNumber }
            return numeric ? "<td class=\"num\">\(c)</td>" : "<td>\(escape(c))</td>"
          }.joined() + "</tr>\n"
      }
      tables += "</table>\n"
    }
    return
      template
      .replacingAll("{{TITLE}}", with: "Garrison audit report")
      .replacingAll("{{META}}", with: escape(meta))
      .replacingAll("{{TIMELINE_SVG}}", with: timeline(report))
      .replacingAll("{{PODS_SVG}}", with: pods(report))
      .replacingAll("{{TABLES}}", with: tables)
  }

  /// Stacked bars of events per time bucket (at most 60 buckets), coloured by outcome.
  static func timeline(_ r: AuditReport) -> String {
    let width = 1100, height = 220, left = 50, bottom = 30, top = 10
    guard let first = r.perMinute.keys.min(), let last = r.perMinute.keys.max() else {
      return "<p class=\"empty\">no events</p>"
    }
    let span = last - first + 1
    let bucketMinutes = max(1, (span + 59) / 60)
    let buckets = Int((span + bucketMinutes - 1) / bucketMinutes)
    var counts = [[AuditOutcome: Int]](repeating: [:], count: buckets)
    for (minute, o) in r.perMinute {
      let b = Int((minute - first) / bucketMinutes)
      for (k, v) in o { counts[b][k, default: 0] += v }
    }
    let maxCount = max(1, counts.map { $0.values.reduce(0, +) }.max() ?? 1)
    let plotW = width - left - 10, plotH = height - top - bottom
    let barW = Double(plotW) / Double(buckets)
    var svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"events over time\">\n"
    svg += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - 10)\" y2=\"\(top + plotH)\" stroke=\"#8a93a5\"/>\n"
    svg += "<text x=\"\(left - 6)\" y=\"\(top + 10)\" text-anchor=\"end\">\(maxCount)</text>\n"
    svg += "<text x=\"\(left - 6)\" y=\"\(top + plotH)\" text-anchor=\"end\">0</text>\n"
    for (i, c) in counts.enumerated() {
      var y = Double(top + plotH)
      let x = Double(left) + Double(i) * barW
      for (outcome, color) in outcomeColors {
        let n = c[outcome] ?? 0
        guard n > 0 else { continue }
        let h = Double(plotH) * Double(n) / Double(maxCount)
        y -= h
        svg +=
          "<rect x=\"\(fmt(x + 1))\" y=\"\(fmt(y))\" width=\"\(fmt(max(1, barW - 2)))\" height=\"\(fmt(h))\" fill=\"\(color)\"><title>\(outcome.rawValue): \(n)</title></rect>\n"
      }
    }
    let startTime = AuditTime(seconds: first * 60), endTime = AuditTime(seconds: (last + 1) * 60)
    svg += "<text x=\"\(left)\" y=\"\(height - 8)\">\(String(startTime.description.prefix(16)))Z</text>\n"
    svg +=
      "<text x=\"\(width - 10)\" y=\"\(height - 8)\" text-anchor=\"end\">\(String(endTime.description.prefix(16)))Z (\(bucketMinutes) min per bar)</text>\n"
    return svg + "</svg>"
  }

  /// Horizontal stacked bars of events per pod (top 25 pods), coloured by kind group.
  static func pods(_ r: AuditReport) -> String {
    let all: [(String, [AuditKind: Int], Int)] = r.perPod.map { (pod: String, kinds: [AuditKind: Int]) in
      (pod, kinds, kinds.values.reduce(0, +))
    }
    let ranked = all.sorted { a, b in a.2 != b.2 ? a.2 > b.2 : a.0 < b.0 }.prefix(25)
    guard let maxCount = ranked.first?.2 else { return "<p class=\"empty\">no pods</p>" }
    let rowH = 22, labelW = 260, width = 1100
    let height = rowH * ranked.count + 40
    var svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"events per pod\">\n"
    for (i, (pod, kinds, total)) in ranked.enumerated() {
      let y = i * rowH + 4
      svg += "<text x=\"\(labelW - 6)\" y=\"\(y + 14)\" text-anchor=\"end\">\(escape(pod))</text>\n"
      var x = Double(labelW)
      for g in groups {
        let n = kinds.filter { g.kinds.contains($0.key) }.values.reduce(0, +)
        guard n > 0 else { continue }
        let w = Double(width - labelW - 80) * Double(n) / Double(maxCount)
        svg +=
          "<rect x=\"\(fmt(x))\" y=\"\(y)\" width=\"\(fmt(max(1, w)))\" height=\"\(rowH - 6)\" fill=\"\(g.color)\"><title>\(g.name): \(n)</title></rect>\n"
        x += w
      }
      svg += "<text x=\"\(fmt(x + 6))\" y=\"\(y + 14)\">\(total)</text>\n"
    }
    var lx = labelW
    for g in groups {
      svg +=
        "<rect x=\"\(lx)\" y=\"\(height - 22)\" width=\"10\" height=\"10\" fill=\"\(g.color)\"/><text x=\"\(lx + 14)\" y=\"\(height - 13)\">\(g.name)</text>\n"
      lx += 110
    }
    return svg + "</svg>"
  }

  static func fmt(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }
}
