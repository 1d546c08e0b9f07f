import GarrisonCore
import GarrisonKernel

/// How the host mounts cgroups.
public enum CgroupMode: String, Sendable, Hashable {
  /// Only cgroup v2, normally at `/sys/fs/cgroup`.
  case unified
  /// Only cgroup v1 hierarchies.
  case legacy
  /// cgroup v1 controller hierarchies plus a cgroup2 mount (systemd's `/sys/fs/cgroup/unified`).
  case hybrid
}

/// One mounted cgroup hierarchy and where the inspected process sits in it.
public struct CgroupHierarchy: Sendable, Hashable {
  /// cgroup v1 or the unified v2 hierarchy.
  public enum Version: Sendable, Hashable { case v1, v2 }

  public var version: Version
  /// The id from `/proc/<pid>/cgroup` (0 for v2).
  public var hierarchyID: Int
  /// Where the hierarchy is mounted, e.g. `/sys/fs/cgroup/memory`.
  public var mountPoint: String
  /// The cgroup directory the mount shows at `mountPoint` (mountinfo's root field, usually `/`).
  public var mountRoot: String
  /// v1: the controllers bound to this hierarchy. v2: the controllers available to children of
  /// the process's cgroup (its `cgroup.controllers`).
  public var controllers: Set<String>
  /// The `name=` of a named v1 hierarchy (`systemd`), if any.
  public var name: String?
  /// The process's cgroup in this hierarchy as `/proc/<pid>/cgroup` prints it.
  public var ownPath: String
  /// The directory of that cgroup on this host.
  public var ownDirectory: String

  public init(
    version: Version, hierarchyID: Int, mountPoint: String, mountRoot: String, controllers: Set<String>,
    name: String?, ownPath: String, ownDirectory: String
  ) {
    self.version = version
    self.hierarchyID = hierarchyID
    self.mountPoint = mountPoint
    self.mountRoot = mountRoot
    self.controllers = controllers
    self.name = name
    self.ownPath = ownPath
    self.ownDirectory = ownDirectory
  }

  /// The host directory of cgroup `path`: relative paths are resolved under the process's own
  /// cgroup (the OCI "runtime-determined location"), absolute ones under the hierarchy root.
  public func directory(for path: CgroupPath) throws -> String {
    if !path.isAbsolute { return path.components.isEmpty ? ownDirectory : ownDirectory + "/" + path.relative }
    let absolute = "/" + path.relative
    guard let inside = CgroupLayout.strip(prefix: mountRoot, from: absolute) else {
      throw GarrisonError(
        .unenforceable, operation: "resolve cgroup path",
        "cgroup \(absolute) is outside the part of the hierarchy mounted at \(mountPoint) (root \(mountRoot))")
    }
    return inside == "/" ? mountPoint : mountPoint + inside
  }
}

/// The cgroup layout of a host: its mode and every mounted hierarchy, detected from
/// `/proc/self/mountinfo`, `/proc/self/cgroup`, `/proc/cgroups` and the v2 `cgroup.controllers`.
public struct CgroupLayout: Sendable, Hashable {
  public var mode: CgroupMode
  /// Every usable v1 hierarchy (controllers and named ones), ordered by hierarchy id.
  public var v1: [CgroupHierarchy]
  /// The unified (v2) hierarchy, if mounted.
  public var unified: CgroupHierarchy?

  public init(mode: CgroupMode, v1: [CgroupHierarchy], unified: CgroupHierarchy?) {
    self.mode = mode
    self.v1 = v1
    self.unified = unified
  }

  /// The hierarchy enforcing a `CgroupLimits` controller name: as `hierarchy(for:)`, except that block I/O is
  /// `blkio` on v1 and `io` on v2.
  public func hierarchy(forLimit controller: String) -> CgroupHierarchy? {
    if controller == "blkio" { return hierarchy(for: "blkio") ?? hierarchy(for: "io") }
    return hierarchy(for: controller)
  }

  /// The hierarchy that provides `controller`: its v1 hierarchy if one is mounted, otherwise the
  /// unified hierarchy if the controller is available there, otherwise nil.
  public func hierarchy(for controller: String) -> CgroupHierarchy? {
    if let h = v1.first(where: { $0.controllers.contains(controller) }) { return h }
    if let u = unified, u.controllers.contains(controller) { return u }
    return nil
  }

  /// Detects the layout of the calling process's host.
  public static func detect() throws -> CgroupLayout {
    try parse(
      mountinfo: CgroupFS.read("/proc/self/mountinfo"), procCgroup: CgroupFS.read("/proc/self/cgroup"),
      procCgroups: CgroupFS.read("/proc/cgroups"),
      readControllers: { dir in
        Set(try CgroupFS.readValue(dir + "/cgroup.controllers").split(separator: " ").map(String.init))
      })
  }

  /// Builds the layout from the texts of `/proc/self/mountinfo`, `/proc/self/cgroup` and
  /// `/proc/cgroups`; `readControllers` reads a v2 directory's `cgroup.controllers`.
  public static func parse(
    mountinfo: String, procCgroup: String, procCgroups: String,
    readControllers: (String) throws -> Set<String>
  ) throws -> CgroupLayout {
    let known = try knownControllers(procCgroups)
    let memberships = try CgroupMembership.parse(procCgroup)
    let mounts = try MountInfoEntry.parse(mountinfo)
    var v1: [CgroupHierarchy] = []
    var unified: CgroupHierarchy?
    // Each v1 mount's controllers (and name=), computed once rather than per membership.
    let v1Mounts = mounts.filter { $0.fsType == "cgroup" }.map { m in
      (mount: m, controllers: Set(m.superOptions.filter { known.contains($0) || $0.hasPrefix("name=") }))
    }

    for membership in memberships {
      if membership.isUnified {
        guard let (mount, dir) = locate(membership, in: mounts.filter { $0.fsType == "cgroup2" }) else { continue }
        unified = CgroupHierarchy(
          version: .v2, hierarchyID: 0, mountPoint: mount.mountPoint, mountRoot: mount.root,
          controllers: try readControllers(dir), name: nil, ownPath: membership.path, ownDirectory: dir)
        continue
      }
      let wanted = Set(membership.controllers)
      let candidates = v1Mounts.filter { $0.controllers == wanted }.map(\.mount)
      guard let (mount, dir) = locate(membership, in: candidates) else { continue }
      v1.append(
        CgroupHierarchy(
          version: .v1, hierarchyID: membership.hierarchyID, mountPoint: mount.mountPoint, mountRoot: mount.root,
          controllers: wanted.filter { !$0.hasPrefix("name=") },
          name: membership.controllers.first(where: { $0.hasPrefix("name=") }).map { String($0.dropFirst(5)) },
          ownPath: membership.path, ownDirectory: dir))
    }
    v1.sort { $0.hierarchyID < $1.hierarchyID }

    let hasV1Controllers = v1.contains { !$0.controllers.isEmpty }
    let mode: CgroupMode
    switch (hasV1Controllers, unified != nil) {
    case (true, true): mode = .hybrid
    case (true, false): mode = .legacy
    case (false, true): mode = .unified
    case (false, false):
      if v1.isEmpty {
        throw GarrisonError(
          .unenforceable, operation: "detect cgroups", "no cgroup file system is mounted for this process")
      }
      mode = .legacy
    }
    return CgroupLayout(mode: mode, v1: v1, unified: unified)
  }

  /// The enabled controller names listed in `/proc/cgroups`.
  static func knownControllers(_ text: String) throws -> Set<String> {
    var names: Set<String> = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
      guard f.count >= 4 else {
        throw GarrisonError(.syntax, operation: "parse /proc/cgroups", "malformed /proc/cgroups line: \(line)")
      }
      if f[3] == "1" { names.insert(String(f[0])) }
    }
    return names
  }

  /// The first mount whose root contains the membership's cgroup, and that cgroup's directory.
  static func locate(_ m: CgroupMembership, in mounts: [MountInfoEntry]) -> (MountInfoEntry, String)? {
    for mount in mounts {
      guard let inside = strip(prefix: mount.root, from: m.path) else { continue }
      return (mount, inside == "/" ? mount.mountPoint : mount.mountPoint + inside)
    }
    return nil
  }

  /// `path` without the directory prefix `prefix` (`/a/b` minus `/a` is `/b`, minus `/a/b` is `/`),
  /// or nil if `path` is not inside `prefix`.
  static func strip(prefix: String, from path: String) -> String? {
    if prefix == "/" { return path }
    if path == prefix { return "/" }
    if path.hasPrefix(prefix + "/") { return String(path.dropFirst(prefix.count)) }
    return nil
  }
}
