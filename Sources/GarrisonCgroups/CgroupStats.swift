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

  /// Reads every field of `cgroup` (`CgroupStatsReader`, the one reader of these files).
  static func read(_ cgroup: Cgroup) throws -> CgroupStats { try CgroupStatsReader(layout: cgroup.layout).read(cgroup) }

  /// usage − inactive file pages (v2 `inactive_file`, v1 `total_inactive_file`), floored at zero: the working set
  /// of cAdvisor's `container_memory_working_set_bytes` and the kubelet's eviction signal.
  public static func workingSet(usage: UInt64, stat: [String: UInt64], v2: Bool) -> UInt64 {
    workingSet(usage: usage, inactiveFile: stat[v2 ? "inactive_file" : "total_inactive_file"] ?? 0)
  }

  /// usage − `inactiveFile`, floored at zero.
  public static func workingSet(usage: UInt64, inactiveFile: UInt64) -> UInt64 {
    usage > inactiveFile ? usage - inactiveFile : 0
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
}
