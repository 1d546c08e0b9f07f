#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// Reads `CgroupStats`, cheaply enough to do it for every container at every scrape:
/// - each hierarchy directory a read needs is opened once (`O_PATH`), and its control files are opened relative to
///   it: one path component walked per file instead of the whole `/sys/fs/cgroup/<ctrl>/…/<ctr>/<file>`;
/// - files are read into one reused buffer and parsed as bytes (no `String` per line or field);
/// - processes are counted from one hierarchy's `cgroup.procs` (every hierarchy holds the same processes);
/// - values that only an update writes (memory limit, CFS quota and period, shares, `pids.max`) are kept per cgroup
///   identity (the inode of its directory: a re-created cgroup is a new inode) and re-read after ``limitsTTL``.
/// One reader per thread (it owns its buffer and caches).
public final class CgroupStatsReader {
  public let layout: CgroupLayout
  /// How long cached limit values are reused before they are read again (an OCI `update` shows within this).
  public var limitsTTL: Duration = .seconds(10)
  /// Whether reads include the peak (`memory.peak`, `memory.max_usage_in_bytes`): one more file per cgroup.
  public var includePeak = true
  private var buffer = [UInt8](repeating: 0, count: 8192)
  private let plan: Plan
  private var directories: [String: [String]] = [:]
  private var limits: [String: Limits] = [:]
  private let clock = ContinuousClock()

  /// What a read uses: distinct hierarchies (the process-tracking one first) and which of them holds what.
  struct Plan {
    var hierarchies: [CgroupHierarchy] = []
    var memory: Int?
    var cpuUsage: Int?
    var cpu: Int?
    var pids: Int?

    init(_ layout: CgroupLayout) {
      var list: [CgroupHierarchy] = []
      func index(_ h: CgroupHierarchy?) -> Int? {
        guard let h else { return nil }
        if let i = list.firstIndex(where: { $0.mountPoint == h.mountPoint }) { return i }
        list.append(h)
        return list.count - 1
      }
      _ = index(layout.unified ?? CgroupManager(layout: layout).managedHierarchies.first)
      memory = index(layout.hierarchy(for: "memory"))
      if let u = layout.unified, layout.mode == .unified || layout.hierarchy(for: "cpuacct") == nil {
        cpuUsage = index(u)
      } else {
        cpuUsage = index(layout.hierarchy(for: "cpuacct"))
      }
      cpu = index(layout.hierarchy(for: "cpu"))
      pids = index(layout.hierarchy(for: "pids"))
      hierarchies = list
    }
  }

  /// Values only an update changes, with the identity of the cgroup they were read from and when.
  struct Limits {
    var identity: UInt64
    var readAt: ContinuousClock.Instant
    var memory: UInt64?
    var quota: UInt64?
    var period: UInt64?
    var shares: UInt64?
    var pids: UInt64?
  }

  public init(layout: CgroupLayout) {
    self.layout = layout
    plan = Plan(layout)
  }

  /// The stats of the existing cgroup `path` (as `CgroupManager.open(path:)` resolves it). `.notFound` when the
  /// cgroup does not exist (or disappears while it is read).
  public func read(path: String) throws -> CgroupStats {
    let dirs: [String]
    if let cached = directories[path] {
      dirs = cached
    } else {
      let p = try CgroupPath(path)
      dirs = try plan.hierarchies.map { try $0.directory(for: p) }
      directories[path] = dirs
    }
    return try read(key: path, directories: dirs)
  }

  /// The stats of an opened cgroup (its directories as `CgroupManager` found them).
  public func read(_ cgroup: Cgroup) throws -> CgroupStats {
    let dirs = plan.hierarchies.map { h in cgroup.directories.first { $0.hierarchy.mountPoint == h.mountPoint }?.path ?? "" }
    return try read(key: nil, directories: dirs)
  }

  /// Drops what is cached for cgroups not in `paths` (containers that are gone).
  public func retain(only paths: Set<String>) {
    for p in directories.keys where !paths.contains(p) { directories[p] = nil }
    for p in limits.keys where !paths.contains(p) { limits[p] = nil }
  }

  private func read(key: String?, directories dirs: [String]) throws -> CgroupStats {
    // Open each directory once; a missing v1 directory means its controller's fields stay nil, a missing
    // process-tracking one means the cgroup does not exist.
    var fds = [Int32](repeating: -1, count: dirs.count)
    defer { for fd in fds where fd >= 0 { Kernel.close(fd) } }
    for (i, dir) in dirs.enumerated() where !dir.isEmpty {
      do throws(Errno) {
        fds[i] = try Kernel.open(dir, flags: LinuxConstants.O_PATH | LinuxConstants.O_DIRECTORY)
      } catch let e where e == .ENOENT && i > 0 {
        continue
      } catch {
        throw CgroupFS.failure("open", path: dir, errno: error.rawValue)
      }
    }
    guard fds[0] >= 0 else { throw GarrisonError(.notFound, operation: "open cgroup", "cgroup \(key ?? "?") does not exist") }

    let tracking = plan.hierarchies[0]
    var s = CgroupStats(processCount: CgroupText.lineCount(try file(fds[0], dirs[0], "cgroup.procs")))
    s.threadCount = CgroupText.lineCount(try file(fds[0], dirs[0], tracking.version == .v2 ? "cgroup.threads" : "tasks"))

    let fixed = try limitValues(key: key, fds: fds, dirs: dirs)
    var cpuStat: [UInt64?]?  // v2 `cpu.stat` when usage and throttling come from one file
    if let m = plan.memory, fds[m] >= 0 {
      let fd = fds[m], dir = dirs[m], v2 = plan.hierarchies[m].version == .v2
      let usage = try number(fd, dir, v2 ? "memory.current" : "memory.usage_in_bytes")
      s.memoryUsageBytes = usage
      let stat = try CgroupText.keyed(
        file(fd, dir, "memory.stat"),
        v2 ? ["inactive_file", "anon", "file"] : ["total_inactive_file", "total_rss", "total_cache"],
        file: dir + "/memory.stat")
      s.memoryWorkingSetBytes = CgroupStats.workingSet(usage: usage, inactiveFile: stat[0] ?? 0)
      s.memoryRSSBytes = stat[1]
      s.memoryCacheBytes = stat[2]
      let eventsFile = v2 ? "memory.events" : "memory.oom_control"
      let events = try CgroupText.keyed(file(fd, dir, eventsFile), ["oom_kill", "max"], file: dir + "/" + eventsFile)
      guard let kills = events[0] else {
        throw GarrisonError(.unenforceable, operation: "read oom_kill", "\(dir) has no oom_kill counter (kernel too old)")
      }
      s.oomKillCount = kills
      s.memoryLimitBytes = fixed.memory
      if v2 {
        s.memoryFailCount = events[1]
        if includePeak { s.memoryPeakBytes = try? number(fd, dir, "memory.peak") }
      } else {
        s.memoryFailCount = try number(fd, dir, "memory.failcnt")
        if includePeak { s.memoryPeakBytes = try number(fd, dir, "memory.max_usage_in_bytes") }
      }
    }
    if let u = plan.cpuUsage, fds[u] >= 0 {
      if plan.hierarchies[u].version == .v2 {
        let stat = try CgroupText.keyed(
          file(fds[u], dirs[u], "cpu.stat"), ["usage_usec", "nr_throttled", "throttled_usec"],
          file: dirs[u] + "/cpu.stat")
        s.cpuUsageMicroseconds = stat[0]
        if plan.cpu == u { cpuStat = stat }
      } else {
        s.cpuUsageMicroseconds = try number(fds[u], dirs[u], "cpuacct.usage") / 1000
      }
    }
    if let c = plan.cpu, fds[c] >= 0 {
      if plan.hierarchies[c].version == .v2 {
        let stat =
          try cpuStat
          ?? CgroupText.keyed(
            file(fds[c], dirs[c], "cpu.stat"), ["usage_usec", "nr_throttled", "throttled_usec"],
            file: dirs[c] + "/cpu.stat")
        s.cpuThrottledPeriods = stat[1]
        s.cpuThrottledMicroseconds = stat[2]
      } else {
        let stat = try CgroupText.keyed(file(fds[c], dirs[c], "cpu.stat"), ["nr_throttled", "throttled_time"], file: dirs[c] + "/cpu.stat")
        s.cpuThrottledPeriods = stat[0]
        s.cpuThrottledMicroseconds = stat[1].map { $0 / 1000 }
      }
      s.cpuQuotaMicroseconds = fixed.quota
      s.cpuPeriodMicroseconds = fixed.period
      s.cpuShares = fixed.shares
    }
    if let p = plan.pids, fds[p] >= 0 {
      s.pidsCurrent = try number(fds[p], dirs[p], "pids.current")
      s.pidsLimit = fixed.pids
    }
    return s
  }

  /// The cached limit values of cgroup `key`, read again when the cgroup was re-created or the cache is older than
  /// ``limitsTTL``.
  private func limitValues(key: String?, fds: [Int32], dirs: [String]) throws -> Limits {
    let now = clock.now
    var identity: UInt64 = 0
    if key != nil {
      do throws(Errno) { identity = try FileStatus.of(fd: fds[0]).inode } catch {
        throw CgroupFS.failure("stat", path: dirs[0], errno: error.rawValue)
      }
    }
    if let key, let c = limits[key], c.identity == identity, now - c.readAt < limitsTTL { return c }
    var l = Limits(identity: identity, readAt: now)
    if let m = plan.memory, fds[m] >= 0 {
      if plan.hierarchies[m].version == .v2 {
        l.memory = try limit(fds[m], dirs[m], "memory.max")
      } else {
        let v = try number(fds[m], dirs[m], "memory.limit_in_bytes")
        // v1 reports "unlimited" as PAGE_COUNTER_MAX pages, a value near Int64.max.
        l.memory = v >= UInt64(Int64.max) / 2 ? nil : v
      }
    }
    if let c = plan.cpu, fds[c] >= 0 {
      let fd = fds[c], dir = dirs[c]
      if plan.hierarchies[c].version == .v2 {
        let text = try file(fd, dir, "cpu.max")
        guard let q = CgroupText.quota(text) else {
          throw GarrisonError(
            .syntax, operation: "read cpu.max",
            "\(dir)/cpu.max holds \"\(String(decoding: text, as: UTF8.self))\", not \"QUOTA PERIOD\"")
        }
        (l.quota, l.period) = (q.quota, q.period)
        l.shares = CgroupStats.shares(weight: try number(fd, dir, "cpu.weight"))
      } else {
        let q = try file(fd, dir, "cpu.cfs_quota_us")  // -1: unlimited
        if q.first != UInt8(ascii: "-") {
          guard let v = CgroupText.number(q) else { throw notANumber(dir + "/cpu.cfs_quota_us", q) }
          l.quota = v
        }
        l.period = try number(fd, dir, "cpu.cfs_period_us")
        l.shares = try number(fd, dir, "cpu.shares")
      }
    }
    if let p = plan.pids, fds[p] >= 0 { l.pids = try limit(fds[p], dirs[p], "pids.max") }
    if let key { limits[key] = l }
    return l
  }

  /// The bytes of control file `name` of the directory open as `fd` (in the reused buffer; valid until the next
  /// read). A file that is gone means the cgroup was removed meanwhile: `.notFound`.
  private func file(_ fd: Int32, _ dir: String, _ name: String) throws -> ArraySlice<UInt8> {
    do throws(Errno) {
      let n = try FileIO.read(at: fd, name, into: &buffer)
      return buffer[0..<n]
    } catch {
      throw CgroupFS.failure("read", path: dir + "/" + name, errno: error.rawValue)
    }
  }

  private func number(_ fd: Int32, _ dir: String, _ name: String) throws -> UInt64 {
    let text = try file(fd, dir, name)
    guard let v = CgroupText.number(text) else { throw notANumber(dir + "/" + name, text) }
    return v
  }

  /// A number, or nil for `max`.
  private func limit(_ fd: Int32, _ dir: String, _ name: String) throws -> UInt64? {
    let text = try file(fd, dir, name)
    if CgroupText.isWord(text, "max") { return nil }
    guard let v = CgroupText.number(text) else { throw notANumber(dir + "/" + name, text) }
    return v
  }

  private func notANumber(_ path: String, _ text: ArraySlice<UInt8>) -> GarrisonError {
    var shown = String(decoding: text, as: UTF8.self)
    while let last = shown.last, last == "\n" || last == " " { shown.removeLast() }
    return GarrisonError(.syntax, operation: "read \(CgroupFS.baseName(path))", "\(path) holds \"\(shown)\", not a number")
  }
}
