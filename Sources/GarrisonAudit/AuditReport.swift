import GarrisonCore

/// Aggregated, aureport-style summary of an audit log. Aggregation happens here only; the log keeps every event.
public struct AuditReport: Sendable {
  /// A noteworthy single event kept in a bounded list (most recent last).
  public struct Item: Sendable, Hashable {
    public var seq: UInt64
    public var time: AuditTime
    public var kind: AuditKind
    public var outcome: AuditOutcome
    public var pod: String
    public var container: String
    public var summary: String
  }

  /// How many items each list keeps (counts are always complete).
  public static let listLimit = 50

  public var filter: AuditFilter
  public var total = 0
  public var firstTime: AuditTime?
  public var lastTime: AuditTime?
  public var byKind: [AuditKind: Int] = [:]
  public var byOutcome: [AuditOutcome: Int] = [:]
  public var byKindOutcome: [AuditKind: [AuditOutcome: Int]] = [:]
  /// Per pod (`namespace/pod`): count of events by kind.
  public var perPod: [String: [AuditKind: Int]] = [:]
  /// Pods with privileged containers: pod -> container names.
  public var privilegedPods: [String: Set<String>] = [:]
  /// Pods sharing host namespaces: pod -> namespace names.
  public var hostNamespacePods: [String: Set<String>] = [:]
  /// Capabilities beyond the default set: pod -> capability names.
  public var capabilitiesBeyondDefault: [String: Set<String>] = [:]
  public var hostPathMounts: [String: Set<String>] = [:]
  public var execCount = 0
  public var execSessions: [Item] = []
  /// Seccomp denials summed over event counts.
  public var seccompBySyscall: [String: Int] = [:]
  public var seccompByContainer: [String: Int] = [:]
  public var seccompTotal = 0
  public var readbackMismatchCount = 0
  public var readbackMismatches: [Item] = []
  public var fallbackCount = 0
  public var fallbacks: [Item] = []
  public var oomKillsByContainer: [String: Int] = [:]
  public var failureCount = 0
  public var failures: [Item] = []
  public var recoveries: [Item] = []
  /// Events per minute (minute since epoch) and outcome, for the timeline.
  public var perMinute: [Int64: [AuditOutcome: Int]] = [:]

  public init(filter: AuditFilter = AuditFilter()) { self.filter = filter }

  /// Builds the report over every record in `directory` that passes `filter`.
  public static func build(directory: String, filter: AuditFilter = AuditFilter()) throws(GarrisonError) -> AuditReport {
    var report = AuditReport(filter: filter)
    try AuditReader.forEachRecord(directory: directory) { r in
      if filter.matches(r) { report.add(r) }
      return true
    }
    return report
  }

  private static func keep(_ list: inout [Item], _ item: Item) {
    list.append(item)
    if list.count > listLimit * 2 { list.removeFirst(list.count - listLimit) }
  }

  /// Trims the bounded lists to `listLimit` (called by renderers).
  public func trimmed() -> AuditReport {
    var r = self
    r.execSessions = Array(execSessions.suffix(Self.listLimit))
    r.readbackMismatches = Array(readbackMismatches.suffix(Self.listLimit))
    r.fallbacks = Array(fallbacks.suffix(Self.listLimit))
    r.failures = Array(failures.suffix(Self.listLimit))
    r.recoveries = Array(recoveries.suffix(Self.listLimit))
    return r
  }

  /// Adds one record to every summary it belongs to.
  public mutating func add(_ r: AuditRecord) {
    total += 1
    if firstTime == nil || r.time < firstTime! { firstTime = r.time }
    if lastTime == nil || lastTime! < r.time { lastTime = r.time }
    byKind[r.kind, default: 0] += 1
    byOutcome[r.outcome, default: 0] += 1
    byKindOutcome[r.kind, default: [:]][r.outcome, default: 0] += 1
    let minute = r.time.seconds >= 0 ? r.time.seconds / 60 : (r.time.seconds - 59) / 60
    perMinute[minute, default: [:]][r.outcome, default: 0] += 1
    let pod = r.object.podKey
    let container = r.object.container ?? "-"
    if r.object.pod != nil { perPod[pod, default: [:]][r.kind, default: 0] += 1 }
    let d = r.details
    func item(_ summary: String) -> Item {
      Item(seq: r.seq, time: r.time, kind: r.kind, outcome: r.outcome, pod: pod, container: container, summary: summary)
    }
    func strings(_ key: String) -> [String] { d[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    switch r.kind {
    case .privilegedContainer:
      privilegedPods[pod, default: []].insert(container)
    case .containerStarted where d["privileged"]?.boolValue == true:
      privilegedPods[pod, default: []].insert(container)
    case .hostNamespace:
      hostNamespacePods[pod, default: []].formUnion(strings("namespaces"))
    case .capabilityBeyondDefault:
      capabilitiesBeyondDefault[pod, default: []].formUnion(strings("capabilities"))
    case .hostPathMount:
      hostPathMounts[pod, default: []].insert(d["host_path"]?.stringValue ?? "?")
    case .containerExec, .execStarted:
      execCount += 1
      Self.keep(&execSessions, item("uid \(d["uid"]?.intValue.map(String.init) ?? "?"): " + strings("command").joined(separator: " ")))
    case .seccompDenied:
      let n = Int(d["count"]?.intValue ?? 1)
      seccompTotal += n
      seccompBySyscall[d["syscall"]?.stringValue ?? "?", default: 0] += n
      seccompByContainer[pod + "/" + container, default: 0] += n
    case .enforcementReadback:
      for f in d["fields"]?.arrayValue ?? [] where f["match"]?.boolValue == false {
        readbackMismatchCount += 1
        Self.keep(
          &readbackMismatches,
          item("\(f["field"]?.stringValue ?? "?"): expected \(f["expected"]?.stringValue ?? "?"), got \(f["actual"]?.stringValue ?? "?")"))
      }
    case .enforcementFallback, .lsmUnavailable:
      fallbackCount += 1
      Self.keep(
        &fallbacks,
        item(
          "\(d["mechanism"]?.stringValue ?? "?"): \(d["requested"]?.stringValue ?? "?") -> \(d["applied"]?.stringValue ?? "?") (\(d["reason"]?.stringValue ?? ""))"
        ))
    case .containerOOMKilled:
      oomKillsByContainer[pod + "/" + container, default: 0] += Int(d["kills"]?.intValue ?? 1)
    case .auditRecovered:
      Self.keep(
        &recoveries,
        item(
          "cut \(d["bytes_cut"]?.intValue ?? 0) bytes at \(d["segment"]?.stringValue ?? "?"):\(d["offset"]?.intValue ?? 0) (\(d["reason"]?.stringValue ?? ""))"
        ))
    default: break
    }
    if r.outcome != .allowed && r.kind != .seccompDenied {
      failureCount += 1
      var summary = ""
      if r.kind == .podRefused {
        summary = (d["failed_checks"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }.joined(separator: ", ")
      } else if let m = d["message"]?.stringValue ?? d["reason"]?.stringValue {
        summary = m
      }
      Self.keep(&failures, item(summary))
    }
  }
}
