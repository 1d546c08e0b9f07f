import GarrisonTestSupport
import Testing
@testable import GarrisonSeccomp

/// Compiles the runtime default with libseccomp and runs the exported BPF through the interpreter.
@Suite struct SeccompDecisionTests {
  static let CLONE_NEWUSER: UInt64 = 0x1000_0000
  static let CLONE_NEWNS: UInt64 = 0x0002_0000
  static let threadFlags: UInt64 = 0x003d_0f00  // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

  static func program(_ caps: Set<String>) throws -> BPFProgram {
    let policy = try Fixtures.runtimeDefault().resolve(forCapabilities: caps, arch: .x86_64, kernel: KernelVersion(6, 1))
    return try SeccompCompiler.compile(policy)
  }

  static func decide(_ program: BPFProgram, _ name: String, _ args: [UInt64] = [], arch: SeccompArch = .x86_64) throws
    -> SeccompDecision
  {
    let data = try #require(SeccompData(syscall: name, arch: arch, args: args), "\(name) on \(arch)")
    return try BPFInterpreter.decide(program, for: data)
  }

  @Test(arguments: [
    ("read", [UInt64](), SeccompDecision.allow), ("write", [], .allow), ("exit_group", [], .allow),
    ("openat", [], .allow), ("futex", [], .allow), ("socket", [2], .allow), ("socket", [40], .errno(Fixtures.EPERM)),
    ("personality", [0], .allow), ("personality", [0x0040000], .errno(Fixtures.EPERM)),
    ("mount", [], .errno(Fixtures.EPERM)), ("umount2", [], .errno(Fixtures.EPERM)), ("unshare", [], .errno(Fixtures.EPERM)),
    ("setns", [], .errno(Fixtures.EPERM)), ("keyctl", [], .errno(Fixtures.EPERM)), ("add_key", [], .errno(Fixtures.EPERM)),
    ("request_key", [], .errno(Fixtures.EPERM)), ("bpf", [], .errno(Fixtures.EPERM)),
    ("perf_event_open", [], .errno(Fixtures.EPERM)), ("kexec_load", [], .errno(Fixtures.EPERM)),
    ("kexec_file_load", [], .errno(Fixtures.EPERM)), ("init_module", [], .errno(Fixtures.EPERM)),
    ("finit_module", [], .errno(Fixtures.EPERM)), ("delete_module", [], .errno(Fixtures.EPERM)),
    ("reboot", [], .errno(Fixtures.EPERM)), ("swapon", [], .errno(Fixtures.EPERM)), ("swapoff", [], .errno(Fixtures.EPERM)),
    ("open_by_handle_at", [], .errno(Fixtures.EPERM)), ("clock_settime", [], .errno(Fixtures.EPERM)),
    ("settimeofday", [], .errno(Fixtures.EPERM)), ("adjtimex", [], .errno(Fixtures.EPERM)),
    ("sethostname", [], .errno(Fixtures.EPERM)), ("userfaultfd", [], .errno(Fixtures.EPERM)),
    ("io_uring_setup", [], .errno(Fixtures.EPERM)), ("chroot", [], .errno(Fixtures.EPERM)),
    ("clone", [threadFlags], .allow), ("clone", [CLONE_NEWUSER], .errno(Fixtures.EPERM)),
    ("clone", [threadFlags | CLONE_NEWNS], .errno(Fixtures.EPERM)), ("clone3", [], .errno(Fixtures.ENOSYS)),
    ("ptrace", [], .allow),
  ])
  func withoutCapabilities(name: String, args: [UInt64], expected: SeccompDecision) throws {
    #expect(try Self.decide(Self.program([]), name, args) == expected)
  }

  @Test func defaultCapabilitySet() throws {
    let p = try Self.program(Fixtures.containerdDefaultCaps)
    #expect(try Self.decide(p, "chroot") == .allow)
    #expect(try Self.decide(p, "mount") == .errno(Fixtures.EPERM))
    #expect(try Self.decide(p, "clone", [Self.CLONE_NEWUSER]) == .errno(Fixtures.EPERM))
    #expect(try Self.decide(p, "read") == .allow)
  }

  @Test func capabilitiesUnlockTheirCalls() throws {
    let p = try Self.program(["SYS_ADMIN", "SYS_TIME", "SYS_BOOT", "SYS_MODULE", "DAC_READ_SEARCH"])
    for name in ["mount", "unshare", "setns", "bpf", "clock_settime", "reboot", "init_module", "open_by_handle_at", "clone3"] {
      #expect(try Self.decide(p, name) == .allow, "\(name)")
    }
    #expect(try Self.decide(p, "clone", [Self.CLONE_NEWUSER]) == .allow)
    for name in ["kexec_load", "keyctl", "swapon", "userfaultfd"] {
      #expect(try Self.decide(p, name) == .errno(Fixtures.EPERM), "\(name)")
    }
  }

  @Test func compatArchitecturesAreFilteredToo() throws {
    let p = try Self.program([])
    #expect(try Self.decide(p, "mount", arch: .x86) == .errno(Fixtures.EPERM))
    #expect(try Self.decide(p, "read", arch: .x86) == .allow)
    #expect(try Self.decide(p, "chown32", arch: .x86) == .allow)
  }

  @Test func foreignArchitectureIsKilled() throws {
    let p = try Self.program([])
    let data = SeccompData(nr: 0, arch: SeccompArch.aarch64.auditArch)
    #expect(try BPFInterpreter.decide(p, for: data) == .killThread)
  }

  @Test func compileIsDeterministic() throws {
    #expect(try Self.program(Fixtures.containerdDefaultCaps) == Self.program(Fixtures.containerdDefaultCaps))
  }
}
