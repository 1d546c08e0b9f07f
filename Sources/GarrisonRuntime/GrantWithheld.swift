import GarrisonInitProtocol
import GarrisonOCI

/// A privilege the config asks for that the container (or exec) runs without, and why: not granting a privilege
/// confines more, never less (DESIGN.md rule 13), so the process runs and the command warns and audits.
public struct GrantWithheld: Sendable, Equatable {
  /// The config field that asks for it (`process.capabilities.ambient`).
  public var field: String
  /// The audit event's mechanism (`capabilities.ambient`).
  public var mechanism: String
  /// What is left out, names as the config gives them.
  public var names: [String]
  /// Why, in one clause (the warning and the audit event's reason).
  public var reason: String

  public init(field: String, mechanism: String, names: [String], reason: String) {
    self.field = field
    self.mechanism = mechanism
    self.names = names
    self.reason = reason
  }

  /// The warning line's text: `field: names not granted: reason`.
  public var warning: String { "\(field): \(names.joined(separator: ", ")) not granted: \(reason)" }

  /// Everything `process` asks for that will not be granted, in a container that has a mount namespace of its
  /// own (new or joined) or, with `sharesRuntimeMountNamespace`, none.
  public static func all(_ process: RuntimeSpec.Process?, sharesRuntimeMountNamespace: Bool) -> [GrantWithheld] {
    var result: [GrantWithheld] = []
    if let ambient = ambientNotRaised(process) { result.append(ambient) }
    if sharesRuntimeMountNamespace, let chroot = chrootWithoutMountNamespace(process) { result.append(chroot) }
    return result
  }

  /// Ambient capabilities outside permitted ∩ inheritable (the default config of `runc spec` and `crun spec`
  /// asks for such): PR_CAP_AMBIENT_RAISE fails for them, and runc and crun run without them too.
  static func ambientNotRaised(_ process: RuntimeSpec.Process?) -> GrantWithheld? {
    guard let caps = process?.capabilities, let ambient = caps.ambient else { return nil }
    let raisable = Set(caps.permitted ?? []).intersection(caps.inheritable ?? [])
    let left = ambient.filter { !raisable.contains($0) }
    guard !left.isEmpty else { return nil }
    return GrantWithheld(
      field: "process.capabilities.ambient", mechanism: "capabilities.ambient", names: left,
      reason: "an ambient capability must be permitted and inheritable, so these are not raisable")
  }

  /// CAP_SYS_CHROOT in a container without a mount namespace of its own: its root is then a `chroot` (there is
  /// no namespace to `pivot_root` in), and a process that may call chroot(2) leaves a chroot at will
  /// (`chroot("x"); chdir("..")…`). The root is a restriction, the capability a grant: the capability goes.
  static func chrootWithoutMountNamespace(_ process: RuntimeSpec.Process?) -> GrantWithheld? {
    guard let caps = process?.capabilities else { return nil }
    let sets = [caps.bounding, caps.effective, caps.permitted, caps.inheritable, caps.ambient]
    guard sets.contains(where: { ($0 ?? []).contains(Self.sysChroot) }) else { return nil }
    return GrantWithheld(
      field: "process.capabilities", mechanism: "capabilities.chroot", names: [Self.sysChroot],
      reason: "without a mount namespace the container's root is a chroot, which CAP_SYS_CHROOT could leave")
  }

  static let sysChroot = "CAP_SYS_CHROOT"
}
