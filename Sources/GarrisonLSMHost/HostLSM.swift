import CSELinux
import GarrisonKernel
import Glibc

/// The host kernel's Linux security modules, probed once per process through their libraries and then passed
/// explicitly to whatever decides by them: the compiler (which labels to keep), garrison-oci (which labels it can
/// enforce, how to read them back) and the pod runner (which profile to load, which volumes to relabel).
public struct HostLSM: Sendable, Equatable {
  /// SELinux's global mode (`security_getenforce`).
  public enum SELinuxMode: String, Sendable, Equatable {
    case enforcing, permissive
  }

  /// AppArmor is enabled and its interface mounted (libapparmor's `aa_is_enabled`).
  public var appArmor: Bool
  /// SELinux's mode when it is enabled with a policy loaded (libselinux's `is_selinux_enabled`), nil when off.
  public var seLinux: SELinuxMode?

  public init(appArmor: Bool, seLinux: SELinuxMode?) {
    self.appArmor = appArmor
    self.seLinux = seLinux
  }

  /// SELinux is on (enforcing or permissive).
  public var seLinuxEnabled: Bool { seLinux != nil }

  /// A host with neither LSM.
  public static let none = HostLSM(appArmor: false, seLinux: nil)

  /// This process's probe, made once on first use: every reader of the host's LSM state in the program takes
  /// this value (or one passed down from it) instead of reading /sys itself.
  public static let current: HostLSM = probe()

  /// Asks the libraries: `aa_is_enabled()`, `is_selinux_enabled()` and `security_getenforce()`.
  public static func probe() -> HostLSM {
    let appArmor = AppArmorLibrary.isEnabledAnswer()
    let seLinuxOn = is_selinux_enabled()
    return decode(
      aaIsEnabled: appArmor.result, aaErrno: appArmor.errno, isSELinuxEnabled: seLinuxOn,
      getenforce: seLinuxOn == 1 ? security_getenforce() : -1)
  }

  /// The value the libraries' answers mean. AppArmor confines when `aa_is_enabled` is 1, and also when it is 0
  /// with ENOENT ("enabled but interface could not be found": securityfs is not mounted, the kernel still
  /// enforces and takes exec labels) or EBUSY (available only on AppArmor's own /proc/<pid>/attr/apparmor
  /// interface); any other reason (ENOSYS, ECANCELED) is off. `is_selinux_enabled` 1 is on (0 off, -1 an error:
  /// off); `security_getenforce` 1 is enforcing, 0 permissive, and -1 (unreadable while SELinux is on) counts as
  /// enforcing, the mode that keeps every restriction.
  public static func decode(aaIsEnabled: Int32, aaErrno: Int32, isSELinuxEnabled: Int32, getenforce: Int32) -> HostLSM {
    let appArmor = aaIsEnabled == 1 || (aaIsEnabled == 0 && (aaErrno == ENOENT || aaErrno == EBUSY))
    let mode: SELinuxMode? = isSELinuxEnabled == 1 ? (getenforce == 0 ? .permissive : .enforcing) : nil
    return HostLSM(appArmor: appArmor, seLinux: mode)
  }
}
