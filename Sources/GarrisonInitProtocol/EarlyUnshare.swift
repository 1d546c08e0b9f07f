import GarrisonKernel

/// Namespaces garrison-init does not have to wait for its spec to create: the runtime names them on the
/// init's command line (`--unshare=<flags>`), so the slowest step of the init (a new network namespace costs
/// about a millisecond) overlaps with the runtime building and sending the spec.
///
/// Only the plain case qualifies: a new container (not an exec) whose namespaces are all new and include no
/// user namespace (a new user namespace must come first and be mapped before the others, and a joined one
/// must be entered first). The cgroup namespace keeps its step (it must follow the move into the container's
/// cgroups). A new pid namespace is named only when the runtime spawned the init into it
/// (`clone3(CLONE_NEWPID)`): the init is then pid 1 of its namespace, the container process itself, and
/// does not fork. When the spec arrives the init checks that its namespaces are exactly the ones already
/// made (the pid namespace may be left to the usual step), and fails otherwise.
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

  /// Whether `early` (from the command line) fits what `spec` asks for: exactly its early namespaces, with or
  /// without the pid namespace.
  public static func matches(_ early: Int32, _ spec: InitSpec) -> Bool {
    let expected = flags(of: spec)
    return early == expected || early == expected & ~LinuxConstants.CLONE_NEWPID
  }

  /// What the init unshares itself at start: everything named but the pid namespace it was born in.
  public static func unsharedAtStart(_ early: Int32) -> Int32 { early & ~LinuxConstants.CLONE_NEWPID }

  /// What may be named: the namespaces `flags(_:)` can return.
  static let allowed: Int32 =
    LinuxConstants.CLONE_NEWNS | LinuxConstants.CLONE_NEWUTS | LinuxConstants.CLONE_NEWIPC
    | LinuxConstants.CLONE_NEWNET | LinuxConstants.CLONE_NEWPID
}
