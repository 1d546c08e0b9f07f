import GarrisonInitProtocol
import GarrisonKernel

/// The privilege half of the init, in the order of DESIGN.md rule 8: LSM exec labels → seccomp (only if
/// no_new_privs is off) → bounding drop → keepcaps → setgroups → setresgid → setresuid → capset → ambient →
/// umask (`apply`), then, as the very last step before `execve`, no_new_privs → seccomp if no_new_privs is on
/// (`lockDown`): nothing but `execve` runs under that filter (a profile may deny getcwd, close_range or
/// faccessat2, which the init needs before it).
public struct CredentialSetup<K: PrivilegeKernel> {
  public let spec: InitSpec
  /// The kernel the steps go to (`LinuxPrivilegeKernel`; a recording fake in tests).
  public var kernel: K

  public init(spec: InitSpec, kernel: K) {
    self.spec = spec
    self.kernel = kernel
  }

  /// Runs the credential block up to the ambient set and the umask (with no_new_privs off, the seccomp filter
  /// first); the first failing step throws an `InitFailure` naming it. `lockDown` completes it.
  public mutating func apply() throws(InitFailure) {
    try applyLSMLabels()
    if let seccomp = spec.seccomp, !spec.noNewPrivileges {
      // Without no_new_privs the filter needs CAP_SYS_ADMIN, which we still hold here.
      try installSeccomp(seccomp, when: "before dropping privileges")
    }
    let caps = spec.capabilities
    for cap in 0...spec.lastCap where caps.bounding & (UInt64(1) << UInt64(cap)) == 0 {
      try step("drop \(capName(cap)) from the bounding set") { () throws(Errno) in
        try kernel.dropBound(cap)
      }
    }
    try step("prctl(PR_SET_KEEPCAPS, 1)") { () throws(Errno) in
      try kernel.prctl(LinuxConstants.PR_SET_KEEPCAPS, 1)
    }
    let user = spec.user
    try step("setgroups to \(user.additionalGids)") { () throws(Errno) in try kernel.setgroups(user.additionalGids) }
    try step("setresgid to \(user.gid)") { () throws(Errno) in try kernel.setresgid(user.gid) }
    try step("setresuid to \(user.uid)") { () throws(Errno) in try kernel.setresuid(user.uid) }
    try step("prctl(PR_SET_KEEPCAPS, 0)") { () throws(Errno) in
      try kernel.prctl(LinuxConstants.PR_SET_KEEPCAPS, 0)
    }
    // Inheritable is exactly what the spec lists (empty by default: CVE-2022-29162).
    try step("capset effective=\(hex(caps.effective)) permitted=\(hex(caps.permitted)) inheritable=\(hex(caps.inheritable))") {
      () throws(Errno) in
      try kernel.capset(
        effective: caps.effective, permitted: caps.permitted,
        inheritable: caps.inheritable, lastCap: spec.lastCap)
    }
    try step("clear the ambient set") { () throws(Errno) in try kernel.clearAmbient() }
    for cap in 0...spec.lastCap where caps.ambient & (UInt64(1) << UInt64(cap)) != 0 {
      try step("raise ambient \(capName(cap))") { () throws(Errno) in try kernel.raiseAmbient(cap) }
    }
    if let umask = user.umask { kernel.umask(umask) }
  }

  /// With `noNewPrivileges`: `PR_SET_NO_NEW_PRIVS`, then the seccomp filter. The init calls it right before
  /// `execve` (before the startContainer hooks when there are any); nothing when no_new_privs is off (the filter
  /// was installed by `apply`).
  public mutating func lockDown() throws(InitFailure) {
    guard spec.noNewPrivileges else { return }
    try step("prctl(PR_SET_NO_NEW_PRIVS, 1)") { () throws(Errno) in
      try kernel.prctl(LinuxConstants.PR_SET_NO_NEW_PRIVS, 1)
    }
    if let seccomp = spec.seccomp { try installSeccomp(seccomp, when: "last") }
  }

  /// Writes the AppArmor exec profile and the SELinux exec label; fails closed if the kernel lacks them.
  private mutating func applyLSMLabels() throws(InitFailure) {
    if let profile = spec.apparmorProfile, !profile.isEmpty {
      // libapparmor's aa_change_onexec (linked statically): `exec <profile>` to /proc/<tid>/attr/apparmor/exec,
      // or to the shared attr/exec on kernels before 5.8 (the library picks). ENOENT from the kernel is
      // AppArmor's "label not found": the profile is not loaded.
      do {
        try kernel.changeOnExec(profile)
      } catch let err where err == .ENOENT {
        throw InitFailure(
          "set AppArmor exec profile \(profile) (aa_change_onexec)",
          "\(err.description): profile \(profile) is not loaded in the kernel (load it with apparmor_parser -r)")
      } catch {
        throw InitFailure("set AppArmor exec profile \(profile) (aa_change_onexec)", error.description)
      }
    }
    if let label = spec.selinuxLabel, !label.isEmpty {
      try step("set SELinux exec label \(label)") { () throws(Errno) in
        try kernel.writeAttr("/proc/self/attr/exec", label)
      }
    }
  }

  private mutating func installSeccomp(_ s: InitSpec.Seccomp, when: String) throws(InitFailure) {
    try step("install seccomp filter (\(s.bpf.count / 8) instructions, flags \(s.flags), \(when))") {
      () throws(Errno) in
      try kernel.installSeccompFilter(s.bpf, flags: s.flags)
    }
  }

  private func capName(_ cap: Int) -> String { cap < Capability.names.count ? Capability.names[cap] : "CAP_\(cap)" }
  private func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}
