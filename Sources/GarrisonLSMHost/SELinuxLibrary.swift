import CSELinux
import GarrisonCore
import GarrisonKernel
import Glibc

/// The running kernel's SELinux through libselinux: whether it is on, whether the loaded policy knows a
/// context, a process's context, a file's context.
///
/// This module is Foundation-free so that garrison-oci (a static executable, FoundationEssentials only) links
/// it: the runtime validates labels and reads them back here, before and after spawning the init. garrison-init
/// does not link libselinux (a static libselinux would run its constructor, which reads /proc/mounts and
/// selinuxfs, in every container's init): it writes the label the runtime validated to `/proc/self/attr/exec`,
/// which is exactly what libselinux's `setexeccon` does.
public enum SELinuxLibrary {
  /// `is_selinux_enabled()`: SELinux is in the kernel, selinuxfs is mounted and a policy is loaded.
  public static var isEnabled: Bool { is_selinux_enabled() == 1 }

  /// `security_getenforce()`: true when enforcing, false when permissive, nil when SELinux is off.
  public static var enforcing: Bool? {
    guard isEnabled else { return nil }
    let mode = security_getenforce()
    return mode < 0 ? nil : mode == 1
  }

  /// `security_check_context()`: whether the loaded policy accepts `context` (its user, role, type and level
  /// exist and the combination is valid). False when SELinux is off or the context has a NUL byte.
  public static func isValidContext(_ context: String) -> Bool {
    guard isEnabled, !context.utf8.contains(0) else { return false }
    return security_check_context(context) == 0
  }

  /// `getpidcon()`: the context process `pid` runs under, or nil (no SELinux, no such process).
  public static func processContext(pid: Int32) -> String? {
    var raw: UnsafeMutablePointer<CChar>?
    guard getpidcon(pid, &raw) == 0, let raw else { return nil }
    defer { freecon(raw) }
    return String(cString: raw)
  }

  /// `lgetfilecon()`: the context of `path` itself (a symbolic link is not followed), or nil.
  public static func fileContext(path: String) -> String? {
    var raw: UnsafeMutablePointer<CChar>?
    guard lgetfilecon(path, &raw) >= 0, let raw else { return nil }
    defer { freecon(raw) }
    return String(cString: raw)
  }

  /// `lsetfilecon()`: labels `path` itself (a symbolic link is relabelled, never followed).
  public static func setFileContext(path: String, _ context: String) throws(Errno) {
    guard lsetfilecon(path, context) == 0 else { throw Errno(rawValue: errno) }
  }
}
