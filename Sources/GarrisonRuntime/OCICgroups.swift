#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCgroups
import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import Glibc

/// garrison-oci's cgroups over GarrisonCgroups' `CgroupManager`, on cgroup v1, v2 and hybrid hosts,
/// with runc's cgroupfs path semantics: `linux.cgroupsPath` `/a/b` is absolute (under each hierarchy's
/// root), `a/b` is relative to the runtime's own cgroup, and no path means `/garrison-oci-<id>` (runc and crun use
/// `/<id>`: one directory per hierarchy, no shared parent to create and remove; the prefix keeps it clear of
/// the host's own cgroups).
/// systemd paths (`slice:prefix:name`) are refused.
///
/// Limits GarrisonCgroups cannot apply are refused (see `OCIResourceLimits`); device rules go to the v1
/// devices controller, or, without one, to a cgroup v2 eBPF device program.
public struct OCICgroups: CgroupControlling {
  /// The host's layout; nil detects it on first use (`/proc/self/mountinfo`, `/proc/self/cgroup`), once for
  /// this value and its copies.
  public var layout: CgroupLayout?
  /// The name prefix of containers created without `linux.cgroupsPath` (`/<prefix><id>`).
  public var defaultPrefix: String
  private let detected = DetectedLayout()

  public init(layout: CgroupLayout? = nil, defaultPrefix: String = "garrison-oci-") {
    self.layout = layout
    self.defaultPrefix = defaultPrefix
  }

  /// `layout`, or the host's, detected once.
  func hostLayout() throws -> CgroupLayout {
    if let layout { return layout }
    return try detected.value()
  }

  public func sharedLayout() throws -> CgroupLayout? { try hostLayout() }

  public func warmUp() {
    _ = try? hostLayout()  // cached on success; on failure the next call detects again and throws
  }

  func manager() throws -> CgroupManager { CgroupManager(layout: try hostLayout()) }

  /// The cgroup path of container `id`.
  public func path(id: String, cgroupsPath: String?) throws -> CgroupPath {
    guard let text = cgroupsPath, !text.isEmpty else { return try CgroupPath("/" + defaultPrefix + id) }
    if text.unicodeScalars.contains(":") {
      throw GarrisonError(
        .unenforceable, operation: "resolve cgroupsPath",
        "systemd cgroup paths (slice:prefix:name) are not supported", field: FieldPath("linux.cgroupsPath"))
    }
    return try CgroupPath(text)
  }

  public func createUnified(id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?) throws
    -> UnifiedCgroup?
  {
    let path = try self.path(id: id, cgroupsPath: cgroupsPath)
    _ = try OCIResourceLimits.limits(resources)  // refuse before anything exists
    _ = try OCIResourceLimits.deviceRules(resources)
    let manager = try manager()
    let parents = try missingAncestors(of: path, in: manager)
    guard let made = try manager.createUnifiedDirectory(path: path.description) else { return nil }
    return UnifiedCgroup(directory: made, parents: parents)
  }

  public func prepare(
    id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?,
    unified: UnifiedCgroup?
  ) throws -> CgroupPlacement {
    let path = try self.path(id: id, cgroupsPath: cgroupsPath)
    let limits = try OCIResourceLimits.limits(resources)
    let rules = try OCIResourceLimits.deviceRules(resources)
    let manager = try manager()
    let parents: [String]
    var adopted: Set<String> = []
    if let unified {
      parents = unified.parents
      adopted.insert(unified.directory)
    } else {
      parents = try missingAncestors(of: path, in: manager)
    }
    let cgroup: Cgroup
    do {
      cgroup = try manager.create(path: path.description, limits: limits, adopting: adopted)
    } catch let e as GarrisonError where e.code == .notFound {
      // Another container's delete removed an empty parent between our mkdirs; once more.
      cgroup = try manager.create(path: path.description, limits: limits, adopting: adopted)
    }
    do {
      let enforcement = try cgroup.applyDeviceRules(rules)
      return CgroupPlacement(
        directories: cgroup.directories.map(\.path), path: path.description,
        createdParents: parents, deviceEnforcement: enforcement.rawValue)
    } catch {
      // No container process exists yet; what this call made goes now (an adopted directory is the caller's).
      var message = ""
      for dir in cgroup.directories.reversed() where !adopted.contains(dir.path) {
        if rmdir(dir.path) != 0 { message += "; cleanup: rmdir \(dir.path): errno \(errno)" }
      }
      if unified == nil {
        do { try removeEmpty(parents) } catch { message += "; cleanup: \(error)" }
      }
      if message.isEmpty { throw error }
      guard var e = error as? GarrisonError else { throw error }
      e.message += message
      throw e
    }
  }

  public func discard(_ unified: UnifiedCgroup) throws {
    try destroy(CgroupPlacement(directories: [unified.directory], createdParents: unified.parents))
  }

  /// The ancestors of `path` (not the leaf) that do not exist yet in some managed hierarchy, outermost first.
  func missingAncestors(of path: CgroupPath, in manager: CgroupManager) throws -> [String] {
    var missing: [String] = []
    for h in manager.managedHierarchies {
      for k in 1..<max(path.components.count, 1) {
        var ancestor = path
        ancestor.components = Array(path.components.prefix(k))
        let dir = try h.directory(for: ancestor)
        if access(dir, F_OK) != 0 { missing.append(dir) }
      }
    }
    return missing
  }

  public func update(_ placement: CgroupPlacement, resources: RuntimeSpec.Resources) throws {
    if let devices = resources.devices, !devices.isEmpty {
      throw GarrisonError(
        .unenforceable, operation: "update",
        "device rules other than the container's cannot be applied by update (runc ignores them)",
        field: FieldPath("linux.resources.devices"))
    }
    let limits = try OCIResourceLimits.limits(resources)
    guard let path = placement.path else {
      throw GarrisonError(.notFound, operation: "update", "the container has no cgroup path on record")
    }
    try manager().open(path: path).update(limits)
  }

  public func join(_ placement: CgroupPlacement, pid: Int32) throws {
    for dir in placement.directories { try write(dir + "/cgroup.procs", String(pid)) }
  }

  public func processes(_ placement: CgroupPlacement) throws -> [Int32] {
    var pids: Set<Int32> = []
    for dir in placement.directories {
      let text: String
      do { text = try FileIO.readText(dir + "/cgroup.procs") } catch {
        if error.rawValue == ENOENT { continue }
        throw GarrisonError(.system, operation: "read \(dir)/cgroup.procs", "cannot list cgroup", errno: error.rawValue)
      }
      for line in text.split(separator: "\n") {
        guard let pid = Int32(line) else {
          throw GarrisonError(.syntax, operation: "read \(dir)/cgroup.procs", "unexpected line \"\(line)\"")
        }
        pids.insert(pid)
      }
    }
    return pids.sorted()
  }

  /// Removes the container's directories (EBUSY, e.g. a process still leaving, is retried for 5 s; the
  /// runtime kills what is left first), then the parents it created that are empty again; a parent
  /// another container still uses stays.
  public func destroy(_ placement: CgroupPlacement) throws {
    for dir in placement.directories {
      var attempts = 0
      while rmdir(dir) != 0 {
        let e = errno
        if e == ENOENT { break }
        attempts += 1
        if e != EBUSY || attempts > 500 {
          throw GarrisonError(.system, operation: "rmdir \(dir)", "cannot remove cgroup", errno: e)
        }
        usleep(10_000)  // an exited process leaves the cgroup asynchronously
      }
    }
    try removeEmpty(placement.createdParents ?? [])
  }

  /// rmdir of each directory, deepest first; one still holding cgroups (EBUSY/ENOTEMPTY) is kept.
  func removeEmpty(_ directories: [String]) throws {
    for dir in directories.sorted(by: { $0.count > $1.count }) where rmdir(dir) != 0 {
      let e = errno
      if e == ENOENT || e == EBUSY || e == ENOTEMPTY { continue }
      throw GarrisonError(.system, operation: "rmdir \(dir)", "cannot remove parent cgroup", errno: e)
    }
  }

  private func write(_ path: String, _ value: String) throws {
    do { try FileIO.write(path, value) } catch {
      throw GarrisonError(.system, operation: "write \(value) to \(path)", "cannot join cgroup", errno: error.rawValue)
    }
  }
}

/// The host's cgroup layout, detected on first use and kept (a failed detection is retried next time).
private final class DetectedLayout: @unchecked Sendable {
  private let lock = Lock()
  private var layout: CgroupLayout?

  func value() throws -> CgroupLayout {
    try lock.withLock {
      if let layout { return layout }
      let detected = try CgroupLayout.detect()
      layout = detected
      return detected
    }
  }
}
