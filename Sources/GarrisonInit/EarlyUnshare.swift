import GarrisonKernel

/// Namespaces garrison-init creates as soon as it starts, before its spec arrives: the runtime names them on
/// the init's command line (`--unshare=<flags>`), so the slowest step of the init (a new network namespace
/// costs about a millisecond) overlaps with the runtime building and sending the spec.
///
/// Only the plain case qualifies: a new container (not an exec) whose namespaces are all new and include no
/// user namespace (a new user namespace must come first and be mapped before the others, and a joined one
/// must be entered first). The pid namespace is left to the usual step (it applies to the forked child), and
/// so is the cgroup namespace (it must follow the move into the container's cgroups). When the spec arrives
/// the init checks that its namespaces are exactly the ones already made, and fails otherwise.
public enum EarlyUnshare {
  /// The flags to create early for namespaces given as (flag, joined path), or 0 when the case does not qualify.
  public static func flags(_ namespaces: [(flag: Int32, path: String?)]) -> Int32 {
    var flags: Int32 = 0
    for ns in namespaces {
      if ns.path != nil || ns.flag == LinuxConstants.CLONE_NEWUSER { return 0 }
      flags |= ns.flag
    }
    return flags & allowed
  }

  /// The flags of `spec` that `flags` would have named (what the init must find already done).
  public static func flags(of spec: InitSpec) -> Int32 {
    guard spec.mode == .create else { return 0 }
    return flags(spec.namespaces.map { ($0.flag, $0.path) })
  }

  /// What may be named: the namespaces `flags(_:)` can return.
  static let allowed: Int32 =
    LinuxConstants.CLONE_NEWNS | LinuxConstants.CLONE_NEWUTS | LinuxConstants.CLONE_NEWIPC
    | LinuxConstants.CLONE_NEWNET
}
