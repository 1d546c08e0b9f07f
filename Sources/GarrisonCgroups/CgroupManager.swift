#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// Creates, opens and removes Garrison's cgroups on the detected host layout (v2 unified, v1 or
/// hybrid). Paths such as `garrison/<pod>/<container>` are relative to the runtime's own cgroup;
/// a leading `/` makes them relative to each hierarchy's root.
public struct CgroupManager: Sendable {
  /// The v1 controllers whose hierarchies Garrison creates directories in. (On v2 the unified
  /// directory is always used; in hybrid mode too, for process tracking.)
  /// `devices` is managed so `Cgroup.applyDeviceRules` has a directory to write on v1 (a new devices
  /// cgroup inherits its parent's rules until then).
  public static let managedV1Controllers: Set<String> = ["memory", "cpu", "cpuacct", "cpuset", "pids", "freezer", "devices"]
  /// v2 controllers enabled for accounting even without a limit, when the host offers them.
  public static let accountingControllers: [String] = ["cpu", "memory", "pids"]

  public var layout: CgroupLayout

  public init(layout: CgroupLayout) { self.layout = layout }

  /// A manager for this host, from `/proc/self/mountinfo` and `/proc/self/cgroup`.
  public static func detect() throws -> CgroupManager { CgroupManager(layout: try CgroupLayout.detect()) }

  /// The hierarchies a Garrison cgroup has a directory in, unified first.
  public var managedHierarchies: [CgroupHierarchy] {
    (layout.unified.map { [$0] } ?? [])
      + layout.v1.filter { !$0.controllers.isDisjoint(with: Self.managedV1Controllers) }
  }

  /// v1 controllers Garrison makes a directory in only for a cgroup whose limits use them (hugepage limits,
  /// block I/O), so other containers pay nothing for them.
  public static let onDemandV1Controllers: Set<String> = ["hugetlb", "blkio"]

  /// The managed hierarchies plus the on-demand v1 ones `limits` need.
  func hierarchies(for limits: CgroupLimits) -> [CgroupHierarchy] {
    let needed = Set(limits.requiredControllers).intersection(Self.onDemandV1Controllers)
    return managedHierarchies
      + layout.v1.filter {
        $0.controllers.isDisjoint(with: Self.managedV1Controllers) && !$0.controllers.isDisjoint(with: needed)
      }
  }

  /// Every hierarchy a Garrison cgroup may have a directory in (opening and removing existing cgroups).
  var possibleHierarchies: [CgroupHierarchy] {
    managedHierarchies
      + layout.v1.filter {
        $0.controllers.isDisjoint(with: Self.managedV1Controllers) && !$0.controllers.isDisjoint(with: Self.onDemandV1Controllers)
      }
  }

  /// Creates the cgroup `path` with `limits` in every managed hierarchy and returns it.
  ///
  /// A limit whose controller (or, for swap, accounting file) is missing throws `.unenforceable`
  /// unless `allowMissingControllers` is set; then it is listed in the result's `skipped`. The
  /// leaf must not exist yet (`.exists`); on any failure every directory created here is removed.
  ///
  /// `adopting` names directories the caller already made for this cgroup (`createUnifiedDirectory`): they
  /// may exist, and stay to the caller to remove when this fails.
  public func create(
    path: String, limits: CgroupLimits, allowMissingControllers: Bool = false,
    adopting: Set<String> = []
  ) throws -> Cgroup {
    let cgroupPath = try CgroupPath(path)
    try limits.validate()
    var skipped: [SkippedLimit] = []
    for controller in limits.requiredControllers where layout.hierarchy(forLimit: controller) == nil {
      for field in LimitWriter.fields(of: limits, controller: controller) {
        skipped.append(
          SkippedLimit(
            field: field, controller: controller, reason: "the \(controller) controller is not available (\(layout.mode) cgroups)"))
      }
    }
    if !skipped.isEmpty && !allowMissingControllers { throw Self.unenforceable(skipped) }

    let directories = try hierarchies(for: limits).map { CgroupDirectory(hierarchy: $0, path: try $0.directory(for: cgroupPath)) }
    for dir in directories where !adopting.contains(dir.path) && CgroupFS.exists(dir.path) {
      throw GarrisonError(
        .exists, operation: "create cgroup", "cgroup \(cgroupPath) already exists at \(dir.path)")
    }
    let cgroup = Cgroup(path: cgroupPath, directories: directories, layout: layout)
    var created: [String] = []
    do {
      for dir in directories {
        created += try makeDirectories(dir, path: cgroupPath)
        if dir.hierarchy.version == .v2 { try enableControllers(dir, path: cgroupPath, limits: limits) }
        if dir.hierarchy.version == .v1 && dir.hierarchy.controllers.contains("cpuset") {
          try inheritCpuset(dir, path: cgroupPath)
        }
      }
      let missingFiles = try LimitWriter(cgroup: cgroup, limits: limits).apply()
      if !missingFiles.isEmpty && !allowMissingControllers { throw Self.unenforceable(missingFiles) }
      skipped += missingFiles
    } catch let error as GarrisonError {
      var error = error
      for dir in created.reversed() {
        let e = CgroupFS.removeDirectory(dir)
        if e != 0 && e != ENOENT { error.message += "; cleanup rmdir \(dir) failed: \(Errno(rawValue: e).name)" }
      }
      throw error
    }
    return Cgroup(path: cgroupPath, directories: directories, skipped: skipped, layout: layout)
  }

  /// Stage one of a two-stage creation: only the cgroup v2 directory of `path` (`mkdir -p`), so that a
  /// process can be spawned into it (`clone3(CLONE_INTO_CGROUP)`) while `create(path:limits:adopting:)` makes
  /// the other hierarchies and writes the limits. Returns the leaf; nil without a unified hierarchy. The leaf
  /// must not exist yet (`.exists`).
  public func createUnifiedDirectory(path: String) throws -> String? {
    guard let unified = layout.unified else { return nil }
    let cgroupPath = try CgroupPath(path)
    let dir = CgroupDirectory(hierarchy: unified, path: try unified.directory(for: cgroupPath))
    if CgroupFS.exists(dir.path) {
      throw GarrisonError(.exists, operation: "create cgroup", "cgroup \(cgroupPath) already exists at \(dir.path)")
    }
    let created = try makeDirectories(dir, path: cgroupPath)
    guard created.last == dir.path else {  // someone else made it between the check and our mkdir
      for made in created.reversed() { _ = CgroupFS.removeDirectory(made) }
      throw GarrisonError(.exists, operation: "create cgroup", "cgroup \(cgroupPath) already exists at \(dir.path)")
    }
    return dir.path
  }

  /// The existing cgroup `path` (its directories in the managed hierarchies that have it).
  public func open(path: String) throws -> Cgroup {
    let cgroupPath = try CgroupPath(path)
    let directories = try possibleHierarchies.map { CgroupDirectory(hierarchy: $0, path: try $0.directory(for: cgroupPath)) }
      .filter { CgroupFS.exists($0.path) }
    if directories.isEmpty {
      throw GarrisonError(.notFound, operation: "open cgroup", "cgroup \(cgroupPath) does not exist")
    }
    return Cgroup(path: cgroupPath, directories: directories, layout: layout)
  }

  /// Kills every process in `path` and all cgroups below it, then removes them, deepest first,
  /// in every managed hierarchy. A path that does not exist is not an error.
  public func removeTree(path: String, timeout: Duration = .seconds(5)) throws {
    let root = try CgroupPath(path)
    var subpaths: Set<[String]> = []
    for h in possibleHierarchies {
      let dir = try h.directory(for: root)
      guard CgroupFS.exists(dir) else { continue }
      try collect(dir, prefix: [], into: &subpaths)
    }
    for sub in subpaths.sorted(by: { $0.count > $1.count }) {
      var child = root
      child.components += sub
      let cgroup = try open(path: child.description)
      try cgroup.killAll(timeout: timeout)
      try cgroup.remove(timeout: timeout)
    }
  }

  /// The cgroup memberships of process `pid` (its `/proc/<pid>/cgroup`).
  public static func currentCgroupPaths(of pid: pid_t) throws -> [CgroupMembership] {
    try CgroupMembership.read(pid: pid)
  }

  // MARK: Creation steps

  /// `mkdir -p` of the cgroup below its base; returns the directories it created, top-down.
  private func makeDirectories(_ dir: CgroupDirectory, path: CgroupPath) throws -> [String] {
    var created: [String] = []
    let base = try baseDirectory(dir.hierarchy, path)
    var current = base
    for component in path.components {
      current += "/" + component
      if try CgroupFS.makeDirectory(current) { created.append(current) }
    }
    return created
  }

  /// The directory relative paths start from: the process's own cgroup, or the hierarchy root.
  private func baseDirectory(_ h: CgroupHierarchy, _ path: CgroupPath) throws -> String {
    if !path.isAbsolute { return h.ownDirectory }
    return h.mountPoint
  }

  /// v2: writes `+controller` into `cgroup.subtree_control` of the base and every ancestor of the
  /// leaf, for each controller the limits need (plus accounting ones) that lives in this hierarchy.
  private func enableControllers(_ dir: CgroupDirectory, path: CgroupPath, limits: CgroupLimits) throws {
    let wanted = (limits.requiredControllers + Self.accountingControllers).map {
      $0 == "blkio" && layout.hierarchy(for: "blkio") == nil ? "io" : $0
    }.filter {
      layout.hierarchy(for: $0)?.mountPoint == dir.hierarchy.mountPoint
    }
    var seen: Set<String> = []
    let controllers = wanted.filter { seen.insert($0).inserted }
    if controllers.isEmpty { return }
    var current = try baseDirectory(dir.hierarchy, path)
    for component in path.components {
      let file = current + "/cgroup.subtree_control"
      let enabled = Set(try CgroupFS.readValue(file).split(separator: " ").map(String.init))
      for c in controllers where !enabled.contains(c) { try CgroupFS.write(file, "+" + c) }
      current += "/" + component
    }
  }

  /// v1 cpuset: a new cpuset cgroup starts with empty `cpuset.cpus`/`cpuset.mems` and accepts
  /// no tasks, so copy them down from the parent at every level that is still empty.
  private func inheritCpuset(_ dir: CgroupDirectory, path: CgroupPath) throws {
    var parent = try baseDirectory(dir.hierarchy, path)
    for component in path.components {
      let child = parent + "/" + component
      for file in ["cpuset.cpus", "cpuset.mems"] where try CgroupFS.readValue(child + "/" + file).isEmpty {
        try CgroupFS.write(child + "/" + file, try CgroupFS.readValue(parent + "/" + file))
      }
      parent = child
    }
  }

  /// Recursively lists subdirectories of `dir` as component arrays (including `[]` for `dir`).
  private func collect(_ dir: String, prefix: [String], into result: inout Set<[String]>) throws {
    result.insert(prefix)
    for name in try CgroupFS.subdirectories(dir) { try collect(dir + "/" + name, prefix: prefix + [name], into: &result) }
  }

  static func unenforceable(_ skipped: [SkippedLimit]) -> GarrisonError {
    GarrisonError(
      .unenforceable, operation: "create cgroup",
      "cannot enforce " + skipped.map(\.description).joined(separator: "; "),
      field: skipped.first.map { FieldPath($0.field) })
  }
}
