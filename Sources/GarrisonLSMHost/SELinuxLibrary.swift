import CSELinux
import GarrisonCore
import GarrisonKernel
import Glibc

/// The running kernel's SELinux through libselinux: whether the loaded policy knows a
/// context, a process's context, a file's context.
///
/// This module is Foundation-free so that garrison-oci (a static executable, FoundationEssentials only) links
/// it: the runtime validates labels and reads them back here, before and after spawning the init. garrison-init
/// does not link libselinux (a static libselinux would run its constructor, which reads /proc/mounts and
/// selinuxfs, in every container's init): it writes the label the runtime validated to `/proc/self/attr/exec`,
/// which is exactly what libselinux's `setexeccon` does.
public enum SELinuxLibrary {
  /// `security_check_context()`: whether the loaded policy accepts `context` (its user, role, type and level
  /// exist and the combination is valid). False when SELinux is off (no selinuxfs: the library answers -1) or the
  /// context has a NUL byte. Whether SELinux is on is `HostLSM`'s question, asked once per process.
  public static func isValidContext(_ context: String) -> Bool {
    guard !context.utf8.contains(0) else { return false }
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
