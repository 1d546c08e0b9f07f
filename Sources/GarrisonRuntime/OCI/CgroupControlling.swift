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

  public init(directories: [String], path: String? = nil, createdParents: [String]? = nil,
              deviceEnforcement: String? = nil) {
    self.directories = directories
    self.path = path
    self.createdParents = createdParents
    self.deviceEnforcement = deviceEnforcement
  }
}

/// The seam between the runtime and a cgroup manager (`OCICgroups` over GarrisonCgroups by default).
public protocol CgroupControlling: Sendable {
  /// Creates the container's cgroups and applies `resources`, with no process in them yet: the init is
  /// spawned into them (`CgroupBirthplace`), or moved with `join` where the kernel cannot do that.
  func prepare(id: String, cgroupsPath: String?, resources: RuntimeSpec.Resources?) throws -> CgroupPlacement
  /// Moves a process into existing cgroups (`cgroup.procs`).
  func join(_ placement: CgroupPlacement, pid: Int32) throws
  /// The pids in the container's cgroups.
  func processes(_ placement: CgroupPlacement) throws -> [Int32]
  /// Removes the cgroups; fails if processes remain.
  func destroy(_ placement: CgroupPlacement) throws
}
