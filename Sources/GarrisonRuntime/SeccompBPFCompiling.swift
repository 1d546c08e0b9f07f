import GarrisonOCI

/// The seam between the runtime and a seccomp compiler: turns `linux.seccomp` into raw BPF
/// (`struct sock_filter` bytes) in the parent, so the init only issues `seccomp(SECCOMP_SET_MODE_FILTER)`.
/// The default is `OCISeccompCompiler` (GarrisonSeccomp's libseccomp compiler).
public protocol SeccompBPFCompiling: Sendable {
  /// Compiles `profile`; errors name the field (`linux.seccomp.syscalls[3].action`).
  func compile(_ profile: RuntimeSpec.Seccomp) throws -> [UInt8]
}
