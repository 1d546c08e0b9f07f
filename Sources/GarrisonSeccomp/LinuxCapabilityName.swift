import GarrisonPlan

/// Linux capability names as seccomp profiles spell them (`CAP_SYS_ADMIN`), with Kubernetes' spelling
/// (`SYS_ADMIN`, any case) accepted as input and normalised. The vocabulary is `GarrisonPlan.Capability`'s.
public enum LinuxCapabilityName {
  /// Every capability of Linux 5.9+ (`CAP_CHOWN` = 0 … `CAP_CHECKPOINT_RESTORE` = 40), in number order.
  public static var all: [String] { Capability.allNames }

  /// `sys_admin` / `SYS_ADMIN` / `CAP_SYS_ADMIN` → `CAP_SYS_ADMIN`; nil when it is not a capability.
  public static func normalized(_ name: String) -> String? { Capability(name: name)?.name }
}
