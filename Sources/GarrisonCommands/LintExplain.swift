import GarrisonLint

/// The text of `garrison lint --explain ID`.
enum Explain {
  static func text(_ r: Rule) -> String {
    var lines = ["\(r.id): \(r.title)"]
    var facts = ["severity: \(r.severity.rawValue)"]
    if let level = r.level { facts.append("level: \(level)") }
    if let since = r.since { facts.append("since: \(since)") }
    if let k = r.k8sCheck { facts.append("pod-security-admission check: \(k)") }
    lines.append(facts.joined(separator: "; "))
    lines.append("")
    lines.append(r.description)
    lines.append("")
    lines.append("Fix: \(r.remediation)")
    if let uri = r.helpUri { lines.append("See: \(uri)") }
    return lines.joined(separator: "\n")
  }
}
