import GarrisonCore

/// A snapshot of a cgroup's counters. Fields are nil when the controller is not available.
public struct CgroupStats: Sendable, Hashable {
  /// Processes in the cgroup (union over hierarchies).
  public var processCount: Int
  /// Memory in use, bytes.
  public var memoryUsageBytes: UInt64?
  /// The memory limit in bytes, nil when unlimited or without a memory controller.
  public var memoryLimitBytes: UInt64?
  /// Peak memory use in bytes (v1 `memory.max_usage_in_bytes`, v2 `memory.peak` on Linux ≥ 5.19).
  public var memoryPeakBytes: UInt64?
  /// Times the OOM killer killed a process of this cgroup.
  public var oomKillCount: UInt64?
  /// CPU time used, microseconds (v2 `cpu.stat` `usage_usec`, v1 `cpuacct.usage` / 1000).
  public var cpuUsageMicroseconds: UInt64?
  /// CFS periods in which the cgroup was throttled.
  public var cpuThrottledPeriods: UInt64?
  /// Tasks counted by the pids controller.
  public var pidsCurrent: UInt64?
  /// The pids limit, nil when unlimited.
  public var pidsLimit: UInt64?

  public init(processCount: Int) { self.processCount = processCount }

  static func read(_ cgroup: Cgroup) throws -> CgroupStats {
    var s = CgroupStats(processCount: try cgroup.pids().count)
    if let mem = cgroup.directory(for: "memory") {
      s.memoryUsageBytes = try cgroup.memoryUsage()
      s.oomKillCount = try cgroup.oomKillCount()
      if mem.hierarchy.version == .v2 {
        s.memoryLimitBytes = try limitValue(mem.path + "/memory.max")
        if CgroupFS.exists(mem.path + "/memory.peak") { s.memoryPeakBytes = try number(mem.path + "/memory.peak") }
      } else {
        let limit = try number(mem.path + "/memory.limit_in_bytes")
        // v1 reports "unlimited" as PAGE_COUNTER_MAX pages, a value near Int64.max.
        s.memoryLimitBytes = limit >= UInt64(Int64.max) / 2 ? nil : limit
        s.memoryPeakBytes = try number(mem.path + "/memory.max_usage_in_bytes")
      }
    }
    if let u = cgroup.unifiedDirectory, cgroup.layout.mode == .unified || cgroup.directory(for: "cpuacct") == nil {
      s.cpuUsageMicroseconds = try keyed(CgroupFS.read(u.path + "/cpu.stat"))["usage_usec"]
    } else if let acct = cgroup.directory(for: "cpuacct") {
      s.cpuUsageMicroseconds = try number(acct.path + "/cpuacct.usage") / 1000
    }
    if let cpu = cgroup.directory(for: "cpu") {
      s.cpuThrottledPeriods = try keyed(CgroupFS.read(cpu.path + "/cpu.stat"))["nr_throttled"]
    }
    if let pids = cgroup.directory(for: "pids") {
      s.pidsCurrent = try number(pids.path + "/pids.current")
      s.pidsLimit = try limitValue(pids.path + "/pids.max")
    }
    return s
  }

  /// Parses `key value` lines (`memory.events`, `cpu.stat`, `memory.oom_control`, `cgroup.events`).
  static func keyed(_ text: String) throws -> [String: UInt64] {
    var out: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let f = line.split(separator: " ")
      guard f.count == 2, let v = UInt64(f[1]) else {
        throw GarrisonError(.syntax, operation: "parse cgroup counters", "unexpected counter line \"\(line)\"")
      }
      out[String(f[0])] = v
    }
    return out
  }

  /// Reads a file holding one unsigned number.
  static func number(_ path: String) throws -> UInt64 {
    let text = try CgroupFS.readValue(path)
    guard let v = UInt64(text) else {
      throw GarrisonError(.syntax, operation: "read \(CgroupFS.baseName(path))", "\(path) holds \"\(text)\", not a number")
    }
    return v
  }

  /// Reads a file holding a number or `max` (nil).
  static func limitValue(_ path: String) throws -> UInt64? {
    if try CgroupFS.readValue(path) == "max" { return nil }
    return try number(path)
  }
}
