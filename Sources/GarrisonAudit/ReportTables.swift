import GarrisonCore
/// The report as titled tables, shared by the text, Markdown and HTML renderers.
public struct ReportTable: Sendable, Hashable {
  public var title: String
  public var headers: [String]
  public var rows: [[String]]
  /// Shown instead of an empty table.
  public var emptyText: String = "none"
}

extension AuditReport {
  static func top(_ counts: [String: Int], _ n: Int = 10) -> [(String, Int)] {
    counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n).map { ($0.key, $0.value) }
  }

  private func items(_ list: [Item]) -> [[String]] {
    list.map { [String($0.seq), $0.time.description, $0.pod, $0.container, $0.summary] }
  }

  /// The report's sections in display order.
  public var tables: [ReportTable] {
    let r = trimmed()
    var t: [ReportTable] = []
    t.append(
      ReportTable(
        title: "Summary", headers: ["", ""],
        rows: [
          ["events", String(total)],
          ["from", firstTime?.description ?? "-"], ["to", lastTime?.description ?? "-"],
          ["allowed", String(byOutcome[.allowed] ?? 0)], ["denied", String(byOutcome[.denied] ?? 0)],
          ["error", String(byOutcome[.error] ?? 0)], ["pods", String(perPod.count)],
        ]))
    t.append(
      ReportTable(
        title: "Events by kind and outcome", headers: ["kind", "allowed", "denied", "error", "total"],
        rows: byKind.keys.sorted().map { k in
          let o = byKindOutcome[k] ?? [:]
          return [k.rawValue, String(o[.allowed] ?? 0), String(o[.denied] ?? 0), String(o[.error] ?? 0), String(byKind[k] ?? 0)]
        }))
    t.append(
      ReportTable(
        title: "Privileged pods", headers: ["pod", "containers"],
        rows: privilegedPods.keys.sorted().map { [$0, privilegedPods[$0]!.sorted().joined(separator: ", ")] }))
    t.append(
      ReportTable(
        title: "Host-namespace pods", headers: ["pod", "host namespaces"],
        rows: hostNamespacePods.keys.sorted().map { [$0, hostNamespacePods[$0]!.sorted().joined(separator: ", ")] }))
    t.append(
      ReportTable(
        title: "Capabilities beyond default", headers: ["pod", "capabilities"],
        rows: capabilitiesBeyondDefault.keys.sorted().map { [$0, capabilitiesBeyondDefault[$0]!.sorted().joined(separator: ", ")] }))
    t.append(
      ReportTable(
        title: "hostPath mounts", headers: ["pod", "host paths"],
        rows: hostPathMounts.keys.sorted().map { [$0, hostPathMounts[$0]!.sorted().joined(separator: ", ")] }))
    t.append(
      ReportTable(
        title: "Exec sessions (\(execCount), latest \(r.execSessions.count))",
        headers: ["seq", "time", "pod", "container", "command"], rows: items(r.execSessions)))
    t.append(
      ReportTable(
        title: "Seccomp denials: top syscalls (\(seccompTotal) total)", headers: ["syscall", "count"],
        rows: Self.top(seccompBySyscall).map { [$0.0, String($0.1)] }))
    t.append(
      ReportTable(
        title: "Seccomp denials: top containers", headers: ["container", "count"],
        rows: Self.top(seccompByContainer).map { [$0.0, String($0.1)] }))
    t.append(
      ReportTable(
        title: "Read-back mismatches (\(readbackMismatchCount))",
        headers: ["seq", "time", "pod", "container", "field"], rows: items(r.readbackMismatches)))
    t.append(
      ReportTable(
        title: "Enforcement fallbacks and unavailable LSMs (\(fallbackCount))",
        headers: ["seq", "time", "pod", "container", "what"], rows: items(r.fallbacks)))
    t.append(
      ReportTable(
        title: "OOM kills", headers: ["container", "kills"],
        rows: Self.top(oomKillsByContainer, 50).map { [$0.0, String($0.1)] }))
    t.append(
      ReportTable(
        title: "Failures: denied or error outcomes (\(failureCount))",
        headers: ["seq", "time", "pod", "container", "kind: detail"],
        rows: r.failures.map { [String($0.seq), $0.time.description, $0.pod, $0.container, "\($0.kind.rawValue): \($0.summary)"] }))
    t.append(ReportTable(title: "Log recoveries", headers: ["seq", "time", "pod", "container", "what"], rows: items(r.recoveries)))
    let pods = perPod.keys.sorted()
    t.append(
      ReportTable(
        title: "Per-pod breakdown", headers: ["pod", "events", "kinds"],
        rows: pods.map { p in
          let k = perPod[p]!
          return [p, String(k.values.reduce(0, +)), k.keys.sorted().map { "\($0.rawValue)=\(k[$0]!)" }.joined(separator: " ")]
        }))
    return t
  }
}
