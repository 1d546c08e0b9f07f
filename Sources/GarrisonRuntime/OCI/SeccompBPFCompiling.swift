import CSeccomp
import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import Glibc

/// The seam between the runtime and a seccomp compiler: turns `linux.seccomp` into raw BPF
/// (`struct sock_filter` bytes) in the parent, so the init only issues `seccomp(SECCOMP_SET_MODE_FILTER)`.
/// The lead swaps the default for GarrisonSeccomp's compiler once it lands.
public protocol SeccompBPFCompiling: Sendable {
  /// Compiles `profile`; errors name the field (`linux.seccomp.syscalls[3].action`).
  func compile(_ profile: RuntimeSpec.Seccomp) throws -> [UInt8]
}

/// The default compiler: libseccomp directly (`seccomp_init`, `seccomp_rule_add_array`,
/// `seccomp_export_bpf` to a memfd). Unknown syscall names are skipped, as runc and crun do, because
/// profiles list syscalls newer than this kernel or libseccomp.
public struct LibseccompBPFCompiler: SeccompBPFCompiling {
  public init() {}

  static let field = FieldPath("linux.seccomp")

  /// Maps an OCI action name to a libseccomp action value.
  static func action(_ name: String, errno: UInt32?, field: FieldPath) throws -> UInt32 {
    switch name {
    case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return 0x0000_0000
    case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
    case "SCMP_ACT_TRAP": return 0x0003_0000
    case "SCMP_ACT_ERRNO": return 0x0005_0000 | ((errno ?? UInt32(EPERM)) & 0xffff)
    case "SCMP_ACT_TRACE": return 0x7ff0_0000 | ((errno ?? UInt32(EPERM)) & 0xffff)
    case "SCMP_ACT_LOG": return 0x7ffc_0000
    case "SCMP_ACT_ALLOW": return 0x7fff_0000
    case "SCMP_ACT_NOTIFY":
      throw GarrisonError(.unenforceable, "seccomp user notification (SCMP_ACT_NOTIFY) is not supported", field: field)
    default: throw GarrisonError(.invalid, "unknown seccomp action \(name)", field: field)
    }
  }

  static func compare(_ op: String, field: FieldPath) throws -> scmp_compare {
    switch op {
    case "SCMP_CMP_NE": return SCMP_CMP_NE
    case "SCMP_CMP_LT": return SCMP_CMP_LT
    case "SCMP_CMP_LE": return SCMP_CMP_LE
    case "SCMP_CMP_EQ": return SCMP_CMP_EQ
    case "SCMP_CMP_GE": return SCMP_CMP_GE
    case "SCMP_CMP_GT": return SCMP_CMP_GT
    case "SCMP_CMP_MASKED_EQ": return SCMP_CMP_MASKED_EQ
    default: throw GarrisonError(.invalid, "unknown seccomp comparison \(op)", field: field)
    }
  }

  public func compile(_ profile: RuntimeSpec.Seccomp) throws -> [UInt8] {
    let f = Self.field
    if profile.listenerPath != nil {
      throw GarrisonError(.unenforceable, "seccomp listenerPath (user notification) is not supported",
                          field: f / "listenerPath")
    }
    let defaultAction = try Self.action(profile.defaultAction, errno: profile.defaultErrnoRet,
                                        field: f / "defaultAction")
    guard let ctx = seccomp_init(defaultAction) else {
      throw GarrisonError(.system, operation: "seccomp_init", "cannot create a seccomp filter", field: f)
    }
    defer { seccomp_release(ctx) }
    // The init sets no_new_privs itself, at the right step.
    try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set(CTL_NNP)", f)
    for (i, arch) in (profile.architectures ?? []).enumerated() {
      let name = arch.hasPrefix("SCMP_ARCH_") ? String(arch.dropFirst(10)).lowercased() : arch.lowercased()
      let token = seccomp_arch_resolve_name(name)
      guard token != 0 else {
        throw GarrisonError(.invalid, "unknown seccomp architecture \(arch)", field: f / "architectures" / i)
      }
      let r = seccomp_arch_add(ctx, token)
      if r != 0 && r != -EEXIST { try check(r, "seccomp_arch_add(\(arch))", f / "architectures" / i) }
    }
    for (i, rule) in (profile.syscalls ?? []).enumerated() {
      let rf = f / "syscalls" / i
      let act = try Self.action(rule.action, errno: rule.errnoRet, field: rf / "action")
      var conditions: [scmp_arg_cmp] = []
      for (j, arg) in (rule.args ?? []).enumerated() {
        guard arg.index < 6 else {
          throw GarrisonError(.invalid, "argument index \(arg.index) > 5", field: rf / "args" / j / "index")
        }
        conditions.append(scmp_arg_cmp(arg: arg.index, op: try Self.compare(arg.op, field: rf / "args" / j / "op"),
                                       datum_a: arg.value, datum_b: arg.valueTwo ?? 0))
      }
      if act == defaultAction { continue }  // libseccomp refuses rules equal to the default
      for (k, name) in rule.names.enumerated() {
        let nr = seccomp_syscall_resolve_name(name)
        if nr == __NR_SCMP_ERROR { continue }
        let r = conditions.withUnsafeBufferPointer {
          seccomp_rule_add_array(ctx, act, nr, UInt32($0.count), $0.baseAddress)
        }
        try check(r, "seccomp_rule_add_array(\(name))", rf / "names" / k)
      }
    }
    let fd = gr_memfd_create_shim()
    guard fd >= 0 else {
      throw GarrisonError(.system, operation: "memfd_create", "cannot export seccomp filter", errno: Glibc.errno)
    }
    defer { Glibc.close(fd) }
    try check(seccomp_export_bpf(ctx, fd), "seccomp_export_bpf", f)
    lseek(fd, 0, SEEK_SET)
    let bytes: [UInt8]
    do { bytes = try FileIO.readAll(fd: fd) } catch {
      throw GarrisonError(.system, operation: "read", "cannot read exported seccomp filter", errno: error.rawValue)
    }
    guard !bytes.isEmpty, bytes.count % 8 == 0 else {
      throw GarrisonError(.system, operation: "seccomp_export_bpf", "exported filter has \(bytes.count) bytes", field: f)
    }
    return bytes
  }

  private func check(_ r: Int32, _ op: String, _ field: FieldPath) throws {
    if r < 0 {
      throw GarrisonError(.system, operation: op, "libseccomp rejected the profile", field: field, errno: -r)
    }
  }
}
