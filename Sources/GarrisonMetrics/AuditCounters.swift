import GarrisonAudit
import GarrisonCore

/// Counters derived from the audit log, updated record by record as ``AuditTail`` hands new records over (never by
/// re-reading the log). Keys are label value tuples in the order of the family's label names.
public struct AuditCounters: Sendable {
  /// `[namespace, pod, container, syscall]` → denied calls (the `count` of each `seccomp.denied` event).
  public var seccompDenials: [[String]: Double] = [:]
  /// `[namespace, pod, container, result]` → `enforcement.readback` events (`match` or `mismatch`).
  public var attestations: [[String]: Double] = [:]
  /// `[namespace, pod, container]` → `container.oom_killed` events.
  public var oomKillCounts: [[String]: Double] = [:]
  /// `[namespace, pod, container, outcome]` → `exec.started` events.
  public var execSessions: [[String]: Double] = [:]
  /// `[namespace, pod, outcome]` → `portforward.opened` events.
  public var portForwards: [[String]: Double] = [:]
  /// `[policy, decision]` → `admission.decision` events (the enforced Pod Security level or policy, allowed/denied).
  public var admissions: [[String]: Double] = [:]
  /// `[kind, outcome]` → records appended.
  public var records: [[String]: Double] = [:]

  public init() {}

  /// The OOM kills recorded for one container.
  public func oomKillCount(namespace: String, pod: String, container: String) -> Double {
    oomKillCounts[[namespace, pod, container]] ?? 0
  }

  /// Counts one record.
  public mutating func add(_ r: AuditRecord) {
    let o = r.object
    let ns = o.namespace ?? "", pod = o.pod ?? "", ctr = o.container ?? ""
    records[[r.kind.rawValue, r.outcome.rawValue], default: 0] += 1
    switch r.kind {
    case .seccompDenied:
      let syscall = r.details["syscall"]?.stringValue ?? "unknown"
      seccompDenials[[ns, pod, ctr, syscall], default: 0] += Double(r.details["count"]?.intValue ?? 1)
    case .enforcementReadback:
      let mismatches = r.details["mismatches"]?.intValue ?? 0
      let result = r.outcome == .allowed && mismatches == 0 ? "match" : "mismatch"
      attestations[[ns, pod, ctr, result], default: 0] += 1
    case .containerOOMKilled:
      oomKillCounts[[ns, pod, ctr], default: 0] += 1
    case .execStarted:
      execSessions[[ns, pod, ctr, r.outcome.rawValue], default: 0] += 1
    case .portForwardOpened:
      portForwards[[ns, pod, r.outcome.rawValue], default: 0] += 1
    case .admissionDecision:
      let policy = r.details["enforce_policy"]?.stringValue ?? "none"
      admissions[[policy, r.outcome == .allowed ? "allowed" : "denied"], default: 0] += 1
    default:
      break
    }
  }

  /// A family from one of the keyed counters, label names in key order, sorted for a stable output.
  static func family(
    _ name: String, _ help: String, _ labels: [String], _ values: [[String]: Double],
    type: MetricType = .counter
  ) -> MetricFamily {
    var f = MetricFamily(name, type, help)
    for (key, v) in values.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
      f.add(Array(zip(labels, key)), v)
    }
    return f
  }
}
