import GarrisonCgroups
import GarrisonOCI

/// What the runtime remembers about a container's cgroups (stored in its state file).
public struct CgroupPlacement: Equatable, Sendable {
  /// Absolute directories of the container's cgroup, one per hierarchy.
  public var directories: [String]
  /// The cgroup path the container was created with (`/garrison-oci-<id>` or `linux.cgroupsPath`).
  public var path: String?
  /// Ancestor directories that did not exist before this container and were created for it; `destroy`
  /// removes those that are empty again.
  public var createdParents: [String]?
  /// How device rules are enforced (`v1-devices` or `v2-bpf`).
  public var deviceEnforcement: String?

  public init(
    directories: [String], path: String? = nil, createdParents: [String]? = nil,
    deviceEnforcement: String? = nil
  ) {
    self.directories = directories
    self.path = path
    self.createdParents = createdParents
    self.deviceEnforcement = deviceEnforcement
  }
}

/// The container's cgroup v2 directory, made before anything else so that garrison-init can be spawned into
/// it (`clone3(CLONE_INTO_CGROUP)`) while the other hierarchies and the limits are written (`prepare`).
public struct UnifiedCgroup: Equatable, Sendable {
  /// The leaf directory.
  public var directory: String
  /// The container's missing ancestors in every hierarchy (the cgroup2 ones this made among them), found
  /// before anything was made (`createdParents`).
  public var parents: [String]

  public init(directory: String, parents: [String]) {
    self.directory = directory
    self.parents = parents
  }
}

/// The seam between the runtime and a cgroup manager (`OCICgroups` over GarrisonCgroups by default).
public protocol CgroupControlling: Sendable {
  /// Does, ahead of use and on another thread, what every later call needs first (detecting the host's
  /// layout); errors are left for those calls to report.
  func warmUp()
  /// Stage one of `prepare`: checks the path and the limits, then makes only the cgroup v2 directory (nil
  /// without a unified hierarchy), for the init to be born in.
  func createUnified(id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?) throws -> UnifiedCgroup?
  /// Creates the container's cgroups (adopting stage one's `unified`) and applies `resources`. No container
  /// process exists yet: the init joins them before it forks one, or it is moved with `join` where the kernel
  /// cannot spawn into a cgroup. On failure, the directories it made are gone; `unified` is the caller's.
  func prepare(id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?, unified: UnifiedCgroup?) throws
    -> CgroupPlacement
  /// Removes stage one's directory and the parents made for it (once no process is left in it).
  func discard(_ unified: UnifiedCgroup) throws
  /// Moves a process into existing cgroups (`cgroup.procs`).
  func join(_ placement: CgroupPlacement, pid: Int32) throws
  /// The pids in the container's cgroups.
  func processes(_ placement: CgroupPlacement) throws -> [Int32]
  /// Removes the cgroups; fails if processes remain.
  func destroy(_ placement: CgroupPlacement) throws
  /// Writes the limits of `resources` into the container's existing cgroups (`garrison-oci update`); a field
  /// it cannot apply is refused naming it, as at create.
  func update(_ placement: CgroupPlacement, resources: RuntimeSpec.Resources) throws
  /// The host's cgroup layout as this manager detected it (once, `warmUp`), for the spec's `cgroup` mounts; nil
  /// when it has none to share (then the builder detects it itself).
  func sharedLayout() throws -> CgroupLayout?
}

extension CgroupControlling {
  public func sharedLayout() throws -> CgroupLayout? { nil }
}
