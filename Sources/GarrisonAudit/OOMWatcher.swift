import GarrisonCore

/// Watches a container cgroup's OOM-kill counter: `memory.events` `oom_kill` (cgroup v2) or
/// `memory.oom_control` `oom_kill` (cgroup v1), producing a `container.oom_killed` event when it increases.
public struct OOMWatcher: Sendable {
  public let cgroupPath: String
  public let object: AuditObject
  public private(set) var lastCount: Int64

  /// Reads the current counter so that only later kills are reported.
  public init(cgroupPath: String, object: AuditObject) throws(GarrisonError) {
    self.cgroupPath = cgroupPath
    self.object = object
    self.lastCount = try OOMWatcher.readCount(cgroupPath: cgroupPath)
  }

  /// The `oom_kill` counter of the cgroup (v2 `memory.events` preferred, v1 `memory.oom_control` otherwise).
  public static func readCount(cgroupPath: String) throws(GarrisonError) -> Int64 {
    let v2 = cgroupPath + "/memory.events", v1 = cgroupPath + "/memory.oom_control"
    let file = FileIO.exists(v2) ? v2 : v1
    guard FileIO.exists(file) else {
      throw GarrisonError(.notFound, operation: "read oom counter", "\(cgroupPath): neither memory.events nor memory.oom_control")
    }
    let text = String(decoding: try FileIO.readAll(file), as: UTF8.self)
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: " ")
      if parts.count == 2, parts[0] == "oom_kill", let n = Int64(parts[1]) { return n }
    }
    throw GarrisonError(.invalid, operation: "read oom counter", "\(file): no oom_kill counter")
  }

  /// Reads the counter; returns an event if it grew since the last poll.
  public mutating func poll() throws(GarrisonError) -> AuditEvent? {
    let now = try OOMWatcher.readCount(cgroupPath: cgroupPath)
    defer { lastCount = now }
    guard now > lastCount else { return nil }
    return AuditEvent(kind: .containerOOMKilled, outcome: .error, object: object,
                      details: AuditDetails.oomKilled(cgroup: cgroupPath, previous: lastCount, current: now))
  }
}
