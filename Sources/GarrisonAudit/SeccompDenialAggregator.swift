import GarrisonCore
/// Turns seccomp audit records into `seccomp.denied` events: attributes each record to a container through a
/// caller-supplied pid map, and rate-limits by counting records per (container, syscall) within a window, so a
/// process hammering a blocked syscall produces one event per window with a count, not one per call.
/// Records for pids not in the map are kept as `unattributed` so nothing is lost silently.
public struct SeccompDenialAggregator: Sendable {
  /// Window length in seconds.
  public let window: Int64
  private var buckets: [Key: Bucket] = [:]
  /// Records whose pid was not in the map (counted, reported with an empty object).
  public private(set) var unattributed = 0

  struct Key: Hashable { var object: AuditObject; var arch: String; var syscall: Int; var action: String }
  struct Bucket { var first: AuditTime; var last: AuditTime; var count: Int; var pids: [Int32]; var comm: String?; var name: String }

  public init(window: Int64 = 10) { self.window = max(1, window) }

  /// Whether no record waits for its window to close (nothing a handover to garrison-keeper would lose).
  public var isEmpty: Bool { buckets.isEmpty }

  /// Adds one record observed at `time` (the record's own time if nil); `container` maps a pid to its object.
  public mutating func add(_ r: SeccompAuditRecord, at time: AuditTime? = nil, container: (Int32) -> AuditObject?) {
    let now = time ?? r.time ?? AuditTime.now()
    let object = container(r.pid) ?? AuditObject()
    if object.pod == nil { unattributed += 1 }
    let key = Key(object: object, arch: r.arch, syscall: r.syscall, action: r.action)
    if var b = buckets[key] {
      b.count += 1
      b.last = max(b.last, now)
      if !b.pids.contains(r.pid) && b.pids.count < 16 { b.pids.append(r.pid) }
      buckets[key] = b
    } else {
      buckets[key] = Bucket(first: now, last: now, count: 1, pids: [r.pid], comm: r.comm, name: r.syscallName)
    }
  }

  /// Events for every window that has closed by `now` (or all open windows when `force`), oldest first.
  public mutating func flush(now: AuditTime = AuditTime.now(), force: Bool = false) -> [AuditEvent] {
    var out: [(AuditTime, AuditEvent)] = []
    for (key, b) in buckets where force || now.seconds - b.first.seconds >= window {
      let details = AuditDetails.seccompDenied(
        syscall: b.name, number: key.syscall, arch: key.arch, count: b.count,
        pids: b.pids, comm: b.comm, action: key.action,
        firstSeen: b.first, lastSeen: b.last)
      let outcome: AuditOutcome = key.action == "log" ? .allowed : .denied
      out.append((b.first, AuditEvent(kind: .seccompDenied, outcome: outcome, object: key.object, details: details, time: b.last)))
      buckets[key] = nil
    }
    return out.sorted { $0.0 < $1.0 }.map(\.1)
  }
}
