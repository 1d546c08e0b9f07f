#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore

/// The directory of one cgroup in one hierarchy.
public struct CgroupDirectory: Sendable, Hashable {
  public var hierarchy: CgroupHierarchy
  /// Absolute host path, e.g. `/sys/fs/cgroup/memory/garrison/pod/ctr`.
  public var path: String

  public init(hierarchy: CgroupHierarchy, path: String) {
    self.hierarchy = hierarchy
    self.path = path
  }
}

/// A limit that was requested but not applied because its controller (or file) is missing;
/// only produced when the caller passed `allowMissingControllers`, so it can audit the gap.
public struct SkippedLimit: Sendable, Hashable, CustomStringConvertible {
  /// The OCI field, e.g. `linux.resources.memory.swap`.
  public var field: String
  /// The controller that would have enforced it.
  public var controller: String
  public var reason: String

  public init(field: String, controller: String, reason: String) {
    self.field = field
    self.controller = controller
    self.reason = reason
  }

  public var description: String { "\(field) (\(controller)): \(reason)" }
}

/// One cgroup (a pod or container) across every hierarchy Garrison manages: the unified v2
/// directory (process tracking, and all controllers on a v2 host) and the v1 memory, cpu,
/// cpuacct, cpuset, pids and freezer directories on a v1 or hybrid host.
public struct Cgroup: Sendable, Hashable {
  public var path: CgroupPath
  public var directories: [CgroupDirectory]
  /// Limits that could not be applied (only with `allowMissingControllers`).
  public var skipped: [SkippedLimit]
  public var layout: CgroupLayout

  public init(path: CgroupPath, directories: [CgroupDirectory], skipped: [SkippedLimit] = [], layout: CgroupLayout) {
    self.path = path
    self.directories = directories
    self.skipped = skipped
    self.layout = layout
  }

  /// The directory that holds `controller`'s files, or nil if no managed hierarchy provides it.
  public func directory(for controller: String) -> CgroupDirectory? {
    guard let h = layout.hierarchy(for: controller) else { return nil }
    return directories.first { $0.hierarchy.mountPoint == h.mountPoint }
  }

  /// The unified (v2) directory, if the host has a cgroup2 mount.
  public var unifiedDirectory: CgroupDirectory? { directories.first { $0.hierarchy.version == .v2 } }

  // MARK: Processes

  /// Moves `pid` into this cgroup in every hierarchy by writing `cgroup.procs`.
  public func addProcess(_ pid: pid_t) throws {
    for dir in directories { try CgroupFS.write(dir.path + "/cgroup.procs", String(pid)) }
  }

  /// Every pid listed in `cgroup.procs` of any hierarchy, sorted and without duplicates.
  public func pids() throws -> [pid_t] {
    var all: Set<pid_t> = []
    for dir in directories { all.formUnion(try Self.procs(dir.path)) }
    return all.sorted()
  }

  /// The pids in one directory's `cgroup.procs`. A directory that is already gone has none.
  static func procs(_ dir: String) throws -> [pid_t] {
    let text: String
    do { text = try CgroupFS.read(dir + "/cgroup.procs") } catch let e as GarrisonError where e.errno == ENOENT {
      return []
    }
    return try text.split(separator: "\n").map { line in
      guard let pid = pid_t(line) else {
        throw GarrisonError(.syntax, operation: "read cgroup.procs", "unexpected line \"\(line)\" in \(dir)/cgroup.procs")
      }
      return pid
    }
  }

  /// Kills every process: writes `cgroup.kill` when the kernel has it (v2, Linux ≥ 5.14), then
  /// SIGKILLs each pid left in any `cgroup.procs` through a pidfd, repeating until all are empty
  /// (catching processes forked meanwhile). Processes are only ever addressed by pid.
  public func killAll(timeout: Duration = .seconds(5)) throws {
    if let u = unifiedDirectory, CgroupFS.exists(u.path + "/cgroup.kill") {
      try CgroupFS.write(u.path + "/cgroup.kill", "1")
    }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
      var remaining: [pid_t] = []
      for dir in directories {
        for pid in try Self.procs(dir.path) {
          remaining.append(pid)
          // Whatever the outcome (signalled, already gone, moved away), the loop re-reads cgroup.procs.
          try ProcessSignal.signal(pid, SIGKILL, ifStillMember: { try Self.procs(dir.path).contains(pid) })
        }
      }
      if remaining.isEmpty { return }
      // A v1-frozen task cannot act on SIGKILL until it is thawed.
      if let f = directory(for: "freezer"), f.hierarchy.version == .v1,
        try CgroupFS.readValue(f.path + "/freezer.state") != "THAWED"
      {
        try CgroupFS.write(f.path + "/freezer.state", "THAWED")
      }
      if clock.now >= deadline {
        throw GarrisonError(
          .system, operation: "kill cgroup",
          "processes \(Set(remaining).sorted()) in cgroup \(path) survived SIGKILL for \(timeout)")
      }
      usleep(10_000)
    }
  }

  // MARK: Freezer

  /// Freezes every process (v1 `freezer.state` = FROZEN, or v2 `cgroup.freeze` = 1) and waits
  /// until the kernel reports the cgroup frozen.
  public func freeze(timeout: Duration = .seconds(5)) throws { try setFrozen(true, timeout: timeout) }

  /// Thaws the cgroup again.
  public func thaw(timeout: Duration = .seconds(5)) throws { try setFrozen(false, timeout: timeout) }

  private func setFrozen(_ frozen: Bool, timeout: Duration) throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    let check: () throws -> Bool
    if let f = directory(for: "freezer"), f.hierarchy.version == .v1 {
      let state = frozen ? "FROZEN" : "THAWED"
      try CgroupFS.write(f.path + "/freezer.state", state)
      check = { try CgroupFS.readValue(f.path + "/freezer.state") == state }
    } else if let u = unifiedDirectory, CgroupFS.exists(u.path + "/cgroup.freeze") {
      try CgroupFS.write(u.path + "/cgroup.freeze", frozen ? "1" : "0")
      check = { try CgroupStats.keyed(CgroupFS.read(u.path + "/cgroup.events"))["frozen"] == (frozen ? 1 : 0) }
    } else {
      throw GarrisonError(
        .unenforceable, operation: "freeze cgroup", "no freezer: neither a v1 freezer hierarchy nor cgroup.freeze")
    }
    while try !check() {
      if clock.now >= deadline {
        throw GarrisonError(
          .system, operation: "freeze cgroup", "cgroup \(path) did not become \(frozen ? "frozen" : "thawed") within \(timeout)")
      }
      usleep(1000)
    }
  }

  // MARK: Removal

  /// Removes the cgroup's directory in every hierarchy. A busy directory (processes left) gets
  /// `killAll` and is retried until `timeout`; a directory that is already gone is fine. Afterwards
  /// no directory of this cgroup exists. Parent directories are left alone (see
  /// `CgroupManager.removeTree`).
  public func remove(timeout: Duration = .seconds(5)) throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    var killed = false
    for dir in directories {
      while true {
        let e = CgroupFS.removeDirectory(dir.path)
        if e == 0 || e == ENOENT { break }
        if e == EBUSY && clock.now < deadline {
          if !killed {
            try killAll(timeout: timeout)
            killed = true
          }
          usleep(10_000)
          continue
        }
        throw CgroupFS.failure("rmdir", path: dir.path, errno: e)
      }
    }
  }

  // MARK: Accounting

  /// How many times the kernel's OOM killer killed a process of this cgroup (v2 `memory.events`
  /// `oom_kill`, v1 `memory.oom_control` `oom_kill`).
  public func oomKillCount() throws -> UInt64 {
    let dir = try require("memory", for: "read the OOM kill count")
    let file = dir.hierarchy.version == .v2 ? "/memory.events" : "/memory.oom_control"
    guard let count = try CgroupStats.keyed(CgroupFS.read(dir.path + file))["oom_kill"] else {
      throw GarrisonError(.unenforceable, operation: "read oom_kill", "\(dir.path + file) has no oom_kill line (kernel too old)")
    }
    return count
  }

  /// Current memory use in bytes (v2 `memory.current`, v1 `memory.usage_in_bytes`).
  public func memoryUsage() throws -> UInt64 {
    let dir = try require("memory", for: "read memory usage")
    return try CgroupStats.number(dir.path + (dir.hierarchy.version == .v2 ? "/memory.current" : "/memory.usage_in_bytes"))
  }

  /// Every counter this cgroup's hierarchies offer; a field is nil when its controller is missing.
  public func stats() throws -> CgroupStats { try CgroupStats.read(self) }

  func require(_ controller: String, for what: String) throws -> CgroupDirectory {
    guard let dir = directory(for: controller) else {
      throw GarrisonError(
        .unenforceable, operation: what, "cannot \(what): no \(controller) controller for cgroup \(path)")
    }
    return dir
  }
}

extension Cgroup {
  /// Writes `limits` into this existing cgroup (runc's `update`): every limit must have its controller's
  /// directory here and its file, else nothing more is written and `.unenforceable` names the field. Only the
  /// fields set in `limits` change.
  public func update(_ limits: CgroupLimits) throws {
    try limits.validate()
    var missing: [SkippedLimit] = []
    for controller in limits.requiredControllers {
      let dir = controller == "blkio" ? (directory(for: "blkio") ?? directory(for: "io")) : directory(for: controller)
      guard dir == nil else { continue }
      for field in LimitWriter.fields(of: limits, controller: controller) {
        missing.append(
          SkippedLimit(
            field: field, controller: controller,
            reason: "the container's cgroup has no \(controller) directory"))
      }
    }
    if !missing.isEmpty { throw CgroupManager.unenforceable(missing) }
    let skipped = try LimitWriter(cgroup: self, limits: limits).apply()
    if !skipped.isEmpty { throw CgroupManager.unenforceable(skipped) }
  }
}
