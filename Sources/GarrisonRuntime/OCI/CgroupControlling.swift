import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import Glibc

/// What the runtime remembers about a container's cgroups (stored in its state file).
public struct CgroupPlacement: Codable, Equatable, Sendable {
  /// Absolute directories created for the container, one per hierarchy.
  public var directories: [String]
  public init(directories: [String]) { self.directories = directories }
}

/// The seam between the runtime and a cgroup manager; GarrisonCgroups replaces the default once merged.
public protocol CgroupControlling: Sendable {
  /// Creates the container's cgroups, applies `resources`, and moves `pid` into them.
  func create(id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?, pid: Int32) throws
    -> CgroupPlacement
  /// Moves another process (an `exec`) into existing cgroups.
  func join(_ placement: CgroupPlacement, pid: Int32) throws
  /// The pids in the container's cgroups.
  func processes(_ placement: CgroupPlacement) throws -> [Int32]
  /// Removes the cgroups; fails if processes remain.
  func destroy(_ placement: CgroupPlacement) throws
}

/// A minimal cgroup v1 manager for this hybrid host: the `pids`, `memory` and `cpu` hierarchies, when
/// mounted under /sys/fs/cgroup. Limits it cannot apply are errors (fail closed), never skipped.
public struct MinimalCgroupV1: CgroupControlling {
  public var mountRoot: String
  public init(mountRoot: String = "/sys/fs/cgroup") { self.mountRoot = mountRoot }

  static let controllers = ["pids", "memory", "cpu", "devices"]

  func available() -> [String] {
    Self.controllers.filter { access("\(mountRoot)/\($0)/cgroup.procs", F_OK) == 0 }
  }

  public func create(id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?, pid: Int32) throws
    -> CgroupPlacement
  {
    var relative = cgroupsPath ?? "/garrison-oci/\(id)"
    if relative.contains(":") {
      throw GarrisonError(.unenforceable, "systemd cgroup paths (slice:prefix:name) are not supported",
                          field: FieldPath("linux.cgroupsPath"))
    }
    if !relative.hasPrefix("/") { relative = "/" + relative }
    if relative.split(separator: "/").contains("..") {
      throw GarrisonError(.invalid, "cgroupsPath must not contain ..", field: FieldPath("linux.cgroupsPath"))
    }
    let controllers = available()
    var created: [String] = []
    do {
      for ctrl in controllers {
        let dir = "\(mountRoot)/\(ctrl)\(relative)"
        try mkdirs(dir)
        created.append(dir)
        try applyLimits(ctrl, dir: dir, resources)
        try write("\(dir)/cgroup.procs", String(pid))
      }
      if resources?.memory?.limit != nil && !controllers.contains("memory") {
        throw GarrisonError(.unenforceable, "memory controller not mounted", field: FieldPath("linux.resources.memory"))
      }
      if resources?.pids != nil && !controllers.contains("pids") {
        throw GarrisonError(.unenforceable, "pids controller not mounted", field: FieldPath("linux.resources.pids"))
      }
    } catch {
      for dir in created.reversed() { rmdir(dir) }
      throw error
    }
    return CgroupPlacement(directories: created)
  }

  private func applyLimits(_ ctrl: String, dir: String, _ r: RuntimeSpec.Resources?) throws {
    guard let r else { return }
    switch ctrl {
    case "pids":
      if let p = r.pids { try write("\(dir)/pids.max", p.limit > 0 ? String(p.limit) : "max") }
    case "memory":
      if let limit = r.memory?.limit { try write("\(dir)/memory.limit_in_bytes", String(limit)) }
    case "devices":
      try applyDeviceRules(dir: dir, r.devices ?? [])
    case "cpu":
      if let shares = r.cpu?.shares { try write("\(dir)/cpu.shares", String(shares)) }
      if let period = r.cpu?.period { try write("\(dir)/cpu.cfs_period_us", String(period)) }
      if let quota = r.cpu?.quota { try write("\(dir)/cpu.cfs_quota_us", String(quota)) }
    default: break
    }
  }

  /// The nodes garrison-init creates in every container's /dev (and the pty devices), allowed after the
  /// spec's rules exactly as runc and crun do, so a deny-all rule still leaves a working /dev.
  static let defaultAllowed = ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
                               "c 5:2 rwm", "c 136:* rwm"]

  /// Writes `linux.resources.devices` in order to devices.allow / devices.deny.
  private func applyDeviceRules(dir: String, _ rules: [RuntimeSpec.DeviceCgroup]) throws {
    guard !rules.isEmpty else { return }
    for (i, rule) in rules.enumerated() {
      let type = rule.type ?? "a"
      guard ["a", "b", "c"].contains(type) else {
        throw GarrisonError(.invalid, "unknown device type \(type)",
                            field: FieldPath("linux.resources.devices") / i / "type")
      }
      let access = rule.access ?? "rwm"
      let major = rule.major.map(String.init) ?? "*"
      let minor = rule.minor.map(String.init) ?? "*"
      let line = type == "a" ? "a" : "\(type) \(major):\(minor) \(access)"
      try write("\(dir)/\(rule.allow ? "devices.allow" : "devices.deny")", line)
    }
    for line in Self.defaultAllowed { try write("\(dir)/devices.allow", line) }
  }

  public func join(_ placement: CgroupPlacement, pid: Int32) throws {
    for dir in placement.directories { try write("\(dir)/cgroup.procs", String(pid)) }
  }

  public func processes(_ placement: CgroupPlacement) throws -> [Int32] {
    guard let dir = placement.directories.first else { return [] }
    do {
      return try FileIO.readText("\(dir)/cgroup.procs").split(separator: "\n").compactMap { Int32($0) }
    } catch {
      throw GarrisonError(.system, operation: "read \(dir)/cgroup.procs", "cannot list cgroup", errno: error.rawValue)
    }
  }

  public func destroy(_ placement: CgroupPlacement) throws {
    for dir in placement.directories.reversed() {
      var attempts = 0
      while rmdir(dir) != 0 {
        let err = Glibc.errno
        if err == ENOENT { break }
        attempts += 1
        if err != EBUSY || attempts > 100 {
          throw GarrisonError(.system, operation: "rmdir \(dir)", "cannot remove cgroup", errno: err)
        }
        usleep(10_000)
      }
    }
  }

  private func mkdirs(_ path: String) throws {
    var current = ""
    for part in path.split(separator: "/") {
      current += "/\(part)"
      if mkdir(current, 0o755) != 0 && Glibc.errno != EEXIST {
        throw GarrisonError(.system, operation: "mkdir \(current)", "cannot create cgroup", errno: Glibc.errno)
      }
    }
  }

  private func write(_ path: String, _ value: String) throws {
    do { try FileIO.write(path, value) } catch {
      throw GarrisonError(.system, operation: "write \(value) to \(path)", "cannot configure cgroup",
                          errno: error.rawValue)
    }
  }
}
