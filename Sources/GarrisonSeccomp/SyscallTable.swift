import CSeccomp
import Glibc

/// System-call name lookups, answered by libseccomp's tables (which know every architecture).
public enum SyscallTable {
  /// Whether libseccomp knows `name` on any architecture (it returns a pseudo number for names that exist
  /// only elsewhere, e.g. `chown32` on x86-64, and `__NR_SCMP_ERROR` (-1) for unknown names).
  public static func isKnown(_ name: String) -> Bool {
    seccomp_syscall_resolve_name(name) != -1
  }

  /// The syscall number of `name` on `arch`, or nil when the call does not exist there.
  public static func number(of name: String, on arch: SeccompArch) -> Int32? {
    let nr = seccomp_syscall_resolve_name_arch(arch.token, name)
    return nr >= 0 ? nr : nil
  }

  /// The name of syscall `number` on `arch`, or nil.
  public static func name(of number: Int32, on arch: SeccompArch) -> String? {
    guard let p = seccomp_syscall_resolve_num_arch(arch.token, number) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }

  /// The name of syscall `number` on the architecture a kernel audit record names (`arch=c000003e`): libseccomp's
  /// architecture tokens are the kernel's `AUDIT_ARCH_*` values. Nil for an unknown architecture or number.
  public static func name(of number: Int32, auditArch: UInt32) -> String? {
    guard let p = seccomp_syscall_resolve_num_arch(auditArch, number) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }
}
