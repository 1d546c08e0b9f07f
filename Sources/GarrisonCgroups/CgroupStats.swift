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
  /// Threads in the cgroup (v2 `cgroup.threads`, v1 `tasks` of the first hierarchy).
  public var threadCount: Int?
  /// The working set as cAdvisor and the kubelet compute it: usage − inactive file pages (v2 `memory.stat`
  /// `inactive_file`, v1 `total_inactive_file`), never below zero. What eviction and `kubectl top` use.
  public var memoryWorkingSetBytes: UInt64?
  /// Anonymous memory (v2 `memory.stat` `anon`, v1 `total_rss`).
  public var memoryRSSBytes: UInt64?
  /// Page cache (v2 `memory.stat` `file`, v1 `total_cache`).
  public var memoryCacheBytes: UInt64?
  /// Times usage hit the limit (v1 `memory.failcnt`, v2 `memory.events` `max`).
  public var memoryFailCount: UInt64?
  /// Time the cgroup spent throttled, microseconds (v2 `cpu.stat` `throttled_usec`, v1 `throttled_time` / 1000).
  public var cpuThrottledMicroseconds: UInt64?
  /// CFS quota and period in microseconds (v2 `cpu.max`, v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`); quota nil when unlimited.
  public var cpuQuotaMicroseconds: UInt64?
  public var cpuPeriodMicroseconds: UInt64?
  /// CPU shares (v1 `cpu.shares`; v2 `cpu.weight` converted back to shares as runc converts shares to weight).
  public var cpuShares: UInt64?

  public init(processCount: Int) { self.processCount = processCount }

  static func read(_ cgroup: Cgroup) throws -> CgroupStats {
    // Each control file is read once per call, even when two fields come from it (a v2 `cpu.stat`).
    var cache: [String: [String: UInt64]] = [:]
    func counters(_ path: String) throws -> [String: UInt64] {
      if let c = cache[path] { return c }
      let c = try keyed(CgroupFS.read(path))
      cache[path] = c
      return c
    }
    var s = CgroupStats(processCount: try cgroup.pids().count)
    if let first = cgroup.directories.first {
      let file = first.hierarchy.version == .v2 ? "/cgroup.threads" : "/tasks"
      s.threadCount = try CgroupFS.read(first.path + file).split(separator: "\n").count
    }
    if let mem = cgroup.directory(for: "memory") {
      let v2 = mem.hierarchy.version == .v2
      let usage = try number(mem.path + (v2 ? "/memory.current" : "/memory.usage_in_bytes"))
      s.memoryUsageBytes = usage
      let stat = try counters(mem.path + "/memory.stat")
      s.memoryWorkingSetBytes = workingSet(usage: usage, stat: stat, v2: v2)
      s.memoryRSSBytes = stat[v2 ? "anon" : "total_rss"]
      s.memoryCacheBytes = stat[v2 ? "file" : "total_cache"]
      let events = try counters(mem.path + (v2 ? "/memory.events" : "/memory.oom_control"))
      guard let kills = events["oom_kill"] else {
        throw GarrisonError(.unenforceable, operation: "read oom_kill", "\(mem.path) has no oom_kill counter (kernel too old)")
      }
      s.oomKillCount = kills
      if v2 {
        s.memoryLimitBytes = try limitValue(mem.path + "/memory.max")
        s.memoryFailCount = events["max"]
        if CgroupFS.exists(mem.path + "/memory.peak") { s.memoryPeakBytes = try number(mem.path + "/memory.peak") }
      } else {
        let limit = try number(mem.path + "/memory.limit_in_bytes")
        // v1 reports "unlimited" as PAGE_COUNTER_MAX pages, a value near Int64.max.
        s.memoryLimitBytes = limit >= UInt64(Int64.max) / 2 ? nil : limit
        s.memoryPeakBytes = try number(mem.path + "/memory.max_usage_in_bytes")
        s.memoryFailCount = try number(mem.path + "/memory.failcnt")
      }
    }
    if let u = cgroup.unifiedDirectory, cgroup.layout.mode == .unified || cgroup.directory(for: "cpuacct") == nil {
      s.cpuUsageMicroseconds = try counters(u.path + "/cpu.stat")["usage_usec"]
    } else if let acct = cgroup.directory(for: "cpuacct") {
      s.cpuUsageMicroseconds = try number(acct.path + "/cpuacct.usage") / 1000
    }
    if let cpu = cgroup.directory(for: "cpu") {
      let stat = try counters(cpu.path + "/cpu.stat")
      s.cpuThrottledPeriods = stat["nr_throttled"]
      if cpu.hierarchy.version == .v2 {
        s.cpuThrottledMicroseconds = stat["throttled_usec"]
        (s.cpuQuotaMicroseconds, s.cpuPeriodMicroseconds) = try quota(CgroupFS.readValue(cpu.path + "/cpu.max"), path: cpu.path)
        s.cpuShares = try shares(weight: number(cpu.path + "/cpu.weight"))
      } else {
        s.cpuThrottledMicroseconds = stat["throttled_time"].map { $0 / 1000 }
        let q = try CgroupFS.readValue(cpu.path + "/cpu.cfs_quota_us")  // -1: unlimited
        if !q.hasPrefix("-") {
          guard let v = UInt64(q) else {
            throw GarrisonError(.syntax, operation: "read cpu.cfs_quota_us", "\(cpu.path)/cpu.cfs_quota_us holds \"\(q)\", not a number")
          }
          s.cpuQuotaMicroseconds = v
        }
        s.cpuPeriodMicroseconds = try number(cpu.path + "/cpu.cfs_period_us")
        s.cpuShares = try number(cpu.path + "/cpu.shares")
      }
    }
    if let pids = cgroup.directory(for: "pids") {
      s.pidsCurrent = try number(pids.path + "/pids.current")
      s.pidsLimit = try limitValue(pids.path + "/pids.max")
    }
    return s
  }

  /// usage − inactive file pages (v2 `inactive_file`, v1 `total_inactive_file`), floored at zero: the working set
  /// of cAdvisor's `container_memory_working_set_bytes` and the kubelet's eviction signal.
  public static func workingSet(usage: UInt64, stat: [String: UInt64], v2: Bool) -> UInt64 {
    let inactive = stat[v2 ? "inactive_file" : "total_inactive_file"] ?? 0
    return usage > inactive ? usage - inactive : 0
  }

  /// Parses v2 `cpu.max` (`max 100000` or `50000 100000`) into quota (nil: unlimited) and period.
  static func quota(_ text: String, path: String) throws -> (UInt64?, UInt64?) {
    let f = text.split(separator: " ")
    guard f.count == 2, let period = UInt64(f[1]), f[0] == "max" || UInt64(f[0]) != nil else {
      throw GarrisonError(.syntax, operation: "read cpu.max", "\(path)/cpu.max holds \"\(text)\", not \"QUOTA PERIOD\"")
    }
    return (UInt64(f[0]), period)
  }

  /// The v1 shares a v2 `cpu.weight` came from: the inverse of runc's `1 + ((shares − 2) × 9999) / 262142`.
  public static func shares(weight: UInt64) -> UInt64 {
    guard weight > 1 else { return 2 }
    return 2 + ((weight - 1) * 262_142 + 9_998) / 9_999
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
