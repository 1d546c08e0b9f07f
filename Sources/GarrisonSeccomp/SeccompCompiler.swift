import CSeccomp
import GarrisonCore
import GarrisonKernel
import Glibc

/// Compiles a ``ResolvedSeccompPolicy`` to a classic-BPF program with libseccomp (in the parent, never in
/// the container init): seccomp_init → seccomp_arch_add → seccomp_attr_set → seccomp_rule_add_array per
/// rule (per condition when a rule compares one argument twice) → seccomp_export_bpf into an unlinked temporary file, read back as raw `sock_filter` bytes.
public enum SeccompCompiler {
  /// The linked libseccomp's version, `major.minor.micro` (part of the ``BPFCache`` key).
  public static var libseccompVersion: String {
    guard let v = seccomp_version() else { return "unknown" }
    return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
  }

  /// Builds the BPF program for `policy` on this host's native architecture.
  public static func compile(_ policy: ResolvedSeccompPolicy) throws -> BPFProgram {
    let defaultWord = policy.defaultAction.rawValue(errno: policy.defaultErrnoRet ?? 0)
    guard let ctx = seccomp_init(defaultWord) else {
      throw GarrisonErrorFactory.system("seccomp_init", "libseccomp rejected default action \(policy.defaultAction.rawValue)")
    }
    defer { seccomp_release(ctx) }

    try check(seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1), "seccomp_attr_set", "SCMP_FLTATR_API_SYSRAWRC")
    // Level 2: syscalls dispatched through a binary tree instead of a linear list (libseccomp >= 2.5).
    try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "seccomp_attr_set", "SCMP_FLTATR_CTL_OPTIMIZE=2")
    if policy.flags.contains(.log) {
      try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1), "seccomp_attr_set", "SCMP_FLTATR_CTL_LOG")
    }

    try addArchitectures(policy.architectures, to: ctx)
    for rule in policy.syscalls { try add(rule, to: ctx) }
    return try BPFProgram(bytes: try export(ctx), filterFlags: policy.flags)
  }

  private static func addArchitectures(_ arches: [SeccompArch], to ctx: scmp_filter_ctx) throws {
    for arch in arches where seccomp_arch_exist(ctx, arch.token) != 0 {
      try check(seccomp_arch_add(ctx, arch.token), "seccomp_arch_add", arch.rawValue)
    }
    if !arches.contains(.native) {
      try check(seccomp_arch_remove(ctx, SeccompArch.native.token), "seccomp_arch_remove", SeccompArch.native.rawValue)
    }
  }

  private static func add(_ rule: ResolvedSeccompRule, to ctx: scmp_filter_ctx) throws {
    let nr = seccomp_syscall_resolve_name(rule.name)
    guard nr != -1 else {  // __NR_SCMP_ERROR
      throw GarrisonErrorFactory.invalid("seccomp_syscall_resolve_name", "unknown system call \"\(rule.name)\"")
    }
    let args = rule.args.map {
      scmp_arg_cmp(arg: $0.index, op: scmp_compare(rawValue: $0.op.libseccompValue), datum_a: $0.value, datum_b: $0.valueTwo)
    }
    let action = rule.action.rawValue(errno: rule.errnoRet ?? 0)
    // libseccomp refuses two comparisons of one argument in a rule (EINVAL). As runc does, a rule whose
    // conditions repeat an argument index becomes one rule per condition: an OR of them (runtime-tools' and
    // moby's profiles: personality with args[0] == 0x0, 0x8 or 0xffffffff).
    let groups = Self.splitsByCondition(rule.args) ? args.map { [$0] } : [args]
    for group in groups {
      let rc = group.withUnsafeBufferPointer { buf in
        seccomp_rule_add_array(ctx, action, nr, UInt32(buf.count), buf.baseAddress)
      }
      try check(rc, "seccomp_rule_add_array", "\(rule.name) \(rule.action.rawValue) args=\(group.count)")
    }
  }

  /// Whether `args` compare one argument index more than once, so that the rule is added as one libseccomp rule
  /// per condition (runc's `matchCall`); otherwise all conditions go into one rule (an AND).
  public static func splitsByCondition(_ args: [ArgCondition]) -> Bool {
    Set(args.map(\.index)).count < args.count
  }

  /// seccomp_export_bpf writes to a file descriptor; an unnamed temporary file takes it (no size limit, unlike a pipe).
  private static func export(_ ctx: scmp_filter_ctx) throws -> [UInt8] {
    let file: AnonymousFile
    do throws(Errno) { file = try AnonymousFile() } catch {
      throw GarrisonErrorFactory.system("open", "cannot create a temporary file for the BPF export", errno: error.rawValue)
    }
    try check(seccomp_export_bpf(ctx, file.descriptor), "seccomp_export_bpf", "")
    do throws(Errno) { return try file.readAll() } catch {
      throw GarrisonErrorFactory.system("read", "cannot read the BPF export", errno: error.rawValue)
    }
  }

  private static func check(_ rc: Int32, _ operation: String, _ argument: String) throws {
    guard rc == 0 else {
      let what = argument.isEmpty ? operation : "\(operation) \(argument)"
      throw GarrisonError(.system, operation: operation, "libseccomp: \(what) failed", errno: -rc)
    }
  }
}
