import Foundation
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import GarrisonSeccomp
import Testing

/// Issue 14 (OCI runtime-tools conformance): seccomp profiles of the validation suite, nothing but execve under
/// the filter, root propagation after pivot_root.
@Suite(.serialized) struct ConformanceTests {
  static let canRun = Harness.skipReason == nil


  /// runtime-tools' default profile allows personality with three SCMP_CMP_EQ conditions on args[0].
  static let personalityRule = RuntimeSpec.Syscall(
    names: ["personality"], action: "SCMP_ACT_ALLOW",
    args: [.init(index: 0, value: 0x0, op: "SCMP_CMP_EQ"), .init(index: 0, value: 0x8, op: "SCMP_CMP_EQ"),
           .init(index: 0, value: 0xffff_ffff, op: "SCMP_CMP_EQ")])

  /// An allow-list with nothing the init needs before the filter: only what execve and a static busybox `true`
  /// use. getcwd, close_range, faccessat2 (and faccessat, access) kill the process.
  static let onlyExecve = RuntimeSpec.Seccomp(
    defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [
      .init(names: ["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "mmap", "munmap",
                    "mprotect", "readlink", "readlinkat", "uname", "getuid", "geteuid", "getgid", "getegid", "getpid",
                    "gettid", "prlimit64", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
                    "ioctl", "write", "writev", "read", "newfstatat", "fstat", "futex", "sigaltstack", "getrandom"],
            action: "SCMP_ACT_ALLOW"),
      .init(names: ["getcwd", "close_range", "faccessat2", "faccessat", "access"], action: "SCMP_ACT_KILL_PROCESS"),
      personalityRule,
    ])

  @Test func theRuntimeCompilesRuntimeToolsPersonalityRuleAsAnOr() throws {
    let profile = RuntimeSpec.Seccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
                                      syscalls: [Self.personalityRule])
    let bpf = try OCISeccompCompiler().compile(profile)
    let program = try BPFProgram(bytes: bpf)
    for (arg, allowed) in [(UInt64(0), true), (0x8, true), (0xffff_ffff, true), (0x9, false), (0x0040000, false)] {
      let data = try #require(SeccompData(syscall: "personality", arch: .x86_64, args: [arg]))
      #expect((try BPFInterpreter.decide(program, for: data) == .allow) == allowed, "personality(\(arg))")
    }
    // The plan's pin still holds: the same profile compiles to the same digest, and it is checked.
    let digest = try SeccompDigestPin.digest(of: bpf)
    try SeccompDigestPin.check(annotations: [GarrisonAnnotations.seccompBPFDigest: digest], bpf: try OCISeccompCompiler().compile(profile))
  }

  @Test(.enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func aProfileAllowingOnlyExecveStartsTrue() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = Harness.restricted(["/bin/true"])
    spec.linux!.seccomp = Self.onlyExecve
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    // The same with a PATH lookup (faccessat2 before the filter) and a cwd other than / (getcwd before it).
    spec.process!.args = ["true"]
    spec.process!.cwd = "/tmp"
    let r2 = try b.run(spec)
    #expect(r2.status == 0, "\(r2.stderr)")
  }

  @Test(.enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func withoutNoNewPrivsTheInitsCwdCheckAndLookupComeBeforeTheFilter() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = Harness.restricted(["true"])
    spec.process!.noNewPrivileges = false
    spec.process!.cwd = "/tmp"
    spec.linux!.seccomp = RuntimeSpec.Seccomp(
      defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [.init(names: ["getcwd", "close_range", "faccessat2", "faccessat", "access"], action: "SCMP_ACT_KILL_PROCESS")])
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test(.enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func theFilterStillHoldsForTheProgram() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var statusSpec = Harness.restricted(["/bin/cat", "/proc/self/status"])
    statusSpec.linux!.seccomp = Self.onlyExecve
    statusSpec.linux!.seccomp!.syscalls![0].names += ["openat", "close", "lseek", "fcntl"]
    let s = try b.run(statusSpec)
    #expect(s.status == 0 && Harness.field(s.stdout, "Seccomp") == "2" && Harness.field(s.stdout, "NoNewPrivs") == "1",
            "\(s.stdout)\(s.stderr)")
  }

  /// runc's and crun's order: the mount holding the rootfs private before the self-bind, `rootfsPropagation`
  /// applied to the new `/` after pivot_root. containerd asks for rshared with a Bidirectional volume.
  @Test(.enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"), arguments: [
    ("shared", "shared:"), ("rshared", "shared:"), ("slave", nil), ("rslave", nil), ("private", nil), ("rprivate", nil),
    ("unbindable", "unbindable"), ("runbindable", "unbindable"),
  ])
  func rootfsPropagationIsAppliedAfterPivotRoot(propagation: String, tag: String?) throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try FileManager.default.createSymbolicLink(atPath: b.rootfs + "/bin/awk", withDestinationPath: "busybox")
    var spec = DefaultSpec.make(args: ["/bin/awk", "$5 == \"/\"", "/proc/self/mountinfo"])
    spec.linux!.rootfsPropagation = propagation
    let r = try b.run(spec)
    #expect(r.status == 0, "\(propagation): \(r.stderr)")
    let root = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
    #expect(!root.isEmpty, "\(propagation): no / in mountinfo: \(r.stdout)")
    for t in ["shared:", "unbindable"] {
      #expect(root.contains(t) == (t == tag), "\(propagation): / is \(root)")
    }
    if tag == nil { #expect(!root.contains("shared:"), "\(propagation): / is \(root)") }
  }
}
