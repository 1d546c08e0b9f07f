import CAppArmor
import Glibc

/// The running kernel's AppArmor through libapparmor: whether it is on, whether a profile is loaded, a task's
/// label and mode, and the profile a process switches to at its next `execve`.
///
/// It lives in the kernel door (not in GarrisonLSMHost beside libselinux) because the static garrison-init calls
/// `aa_change_onexec`: libapparmor.a has no constructor and pulls nothing but glibc, whereas a static libselinux
/// runs its constructor (reading /proc/mounts and selinuxfs) in every container's init.
public enum AppArmorLibrary {
  /// `aa_is_enabled()`'s answer: 1, or 0 and the reason in errno (ENOSYS no AppArmor, ECANCELED disabled at
  /// boot, ENOENT enabled but securityfs not mounted, EBUSY available only on AppArmor's own /proc interface).
  /// `HostLSM.decode` says what it means.
  public static func isEnabledAnswer() -> (result: Int32, errno: Int32) {
    errno = 0
    let result = aa_is_enabled()
    return (result, result == 1 ? 0 : errno)
  }

  /// `aa_gettaskcon()`: the label and mode task `pid` runs under (`unconfined` has no mode), or nil when it cannot
  /// be read (no AppArmor, no such task).
  public static func taskContext(pid: Int32) -> AppArmorLabel? {
    var label: UnsafeMutablePointer<CChar>?
    var mode: UnsafeMutablePointer<CChar>?
    guard aa_gettaskcon(pid, &label, &mode) >= 0, let label else { return nil }
    defer { free(label) }  // `mode` points into `label`'s buffer
    return AppArmorLabel(profile: String(cString: label), mode: mode.map { String(cString: $0) })
  }

  /// Whether the kernel holds profile `name`: `aa_query_file_path` asks the kernel's query interface
  /// (securityfs `.access`, open to every task, no policy-admin right needed) about `name`, and the kernel
  /// answers ENOENT exactly when no such label is loaded. Nil when the question cannot be asked (no securityfs
  /// mounted, a kernel without the query interface) or `name` is empty or has a NUL byte.
  public static func isLoaded(_ name: String) -> Bool? {
    switch query(name) {
    case .success: return true
    case .failure(.ENOENT): return false
    case .failure: return nil
    }
  }

  /// The answer of `aa_query_file_path(AA_MAY_READ, name, "/")`: success when the kernel knows `name` (whatever
  /// it allows), the errno otherwise (ENOENT: no such label).
  static func query(_ name: String) -> Result<Void, Errno> {
    guard !name.isEmpty, !name.utf8.contains(0) else { return .failure(.EINVAL) }
    var allowed: Int32 = 0
    var audited: Int32 = 0
    guard aa_query_file_path(UInt32(AA_MAY_READ), name, "/", &allowed, &audited) == 0 else {
      return .failure(Errno(rawValue: errno))
    }
    return .success(())
  }

  /// The mode a loaded profile is in (`enforce`, `complain`, `kill`, ...), or nil when `name` is not loaded or the
  /// mode cannot be read. Presence is asked through `isLoaded`; libapparmor 3.0 has no call for a loaded
  /// profile's mode (the query interface answers allow/deny/audit/quiet only), so the mode is read from the
  /// `profiles` list under the securityfs mount `aa_find_mountpoint` finds (readable with policy-view rights:
  /// root in the initial user namespace).
  public static func loadedMode(_ name: String) -> String? {
    guard isLoaded(name) == true, let dir = mountpoint() else { return nil }
    guard let text = try? FileIO.readText(dir + "/profiles") else { return nil }
    return AppArmorLabel.profileList(text)[name]
  }

  /// `aa_find_mountpoint()`: AppArmor's directory in securityfs, or nil when securityfs is not mounted.
  public static func mountpoint() -> String? {
    var raw: UnsafeMutablePointer<CChar>?
    guard aa_find_mountpoint(&raw) == 0, let raw else { return nil }
    defer { free(raw) }
    return String(cString: raw)
  }

  /// `aa_change_onexec()`: confine this task by `profile` from its next `execve` on (libapparmor writes
  /// `exec <profile>` to `/proc/<tid>/attr/apparmor/exec`, or to the shared `attr/exec` on kernels before 5.8).
  /// ENOENT from the kernel means no such profile is loaded.
  public static func changeOnExec(_ profile: String) throws(Errno) {
    guard !profile.utf8.contains(0) else { throw .EINVAL }
    guard aa_change_onexec(profile) == 0 else { throw Errno(rawValue: errno) }
  }
}
