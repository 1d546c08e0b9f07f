import Foundation
import Testing
@testable import GarrisonSeccomp

@Suite struct SeccompResolveTests {
  @Test func defaultCapsResolveDeterministically() throws {
    let profile = try Fixtures.runtimeDefault()
    let a = try profile.resolve(forCapabilities: Fixtures.containerdDefaultCaps, arch: .x86_64, kernel: KernelVersion(6, 1))
    let b = try profile.resolve(
      forCapabilities: Set(Fixtures.containerdDefaultCaps.map { "CAP_" + $0 }), arch: .x86_64, kernel: KernelVersion(6, 1))
    #expect(a == b)
    #expect(try a.canonicalJSON() == b.canonicalJSON())
    #expect(try a.digest().hasPrefix("sha256:"))
    #expect(a.architectures == [.x32, .x86, .x86_64].sorted())
    #expect(a.defaultAction == .errno && a.defaultErrnoRet == 1)
    #expect(a.syscalls == a.syscalls.sorted())
    #expect(a.syscalls.allSatisfy { $0.names.count == 1 })
    #expect(!a.rules(for: "chroot").isEmpty)  // SYS_CHROOT is in the default set
    #expect(a.rules(for: "mount").isEmpty)
    #expect(a.rules(for: "clone").map(\.args.count) == [1])
    #expect(a.rules(for: "clone3").map(\.errnoRet) == [38])
    #expect(a.rules(for: "ptrace").count == 1)
    #expect(a.rules(for: "s390_pci_mmio_read").isEmpty)  // exists on no x86 ABI
  }

  @Test func emptyCapSetDropsCapabilityRules() throws {
    let r = try Fixtures.runtimeDefault().resolve(forCapabilities: [], arch: .x86_64, kernel: KernelVersion(6, 1))
    for name in [
      "chroot", "mount", "unshare", "bpf", "perf_event_open", "reboot", "init_module", "open_by_handle_at",
      "clock_settime", "keyctl", "kexec_load", "swapon", "userfaultfd", "io_uring_setup",
    ] {
      #expect(r.rules(for: name).isEmpty, "\(name)")
    }
    #expect(r.rules(for: "read").map(\.action) == [.allow])
  }

  @Test func sysAdminAllowsCloneUnconditionally() throws {
    let r = try Fixtures.runtimeDefault().resolve(forCapabilities: ["SYS_ADMIN"], arch: .x86_64, kernel: KernelVersion(6, 1))
    #expect(r.rules(for: "clone") == [ResolvedSeccompRule(name: "clone", action: .allow, errnoRet: nil, args: [])])
    #expect(r.rules(for: "clone3").map(\.action) == [.allow])
    #expect(r.rules(for: "mount").map(\.action) == [.allow])
  }

  @Test func unknownKernelDropsMinKernelRules() throws {
    let p = try Fixtures.runtimeDefault()
    #expect(try p.resolve(forCapabilities: [], arch: .x86_64, kernel: nil).rules(for: "ptrace").isEmpty)
    #expect(try p.resolve(forCapabilities: [], arch: .x86_64, kernel: KernelVersion(4, 4)).rules(for: "ptrace").isEmpty)
    #expect(try !p.resolve(forCapabilities: [], arch: .x86_64, kernel: KernelVersion(4, 8)).rules(for: "ptrace").isEmpty)
  }

  @Test func archConditionsFollowTheTarget() throws {
    let p = try Fixtures.runtimeDefault()
    let s390 = try p.resolve(forCapabilities: [], arch: .s390x, kernel: KernelVersion(6, 1))
    #expect(s390.rules(for: "clone").map { $0.args.map(\.index) } == [[1]])
    #expect(s390.architectures == [.s390, .s390x])
    let arm = try p.resolve(forCapabilities: [], arch: .aarch64, kernel: KernelVersion(6, 1))
    #expect(arm.rules(for: "arch_prctl").isEmpty)
  }

  @Test func unknownCapabilityIsAnError() throws {
    #expect(throws: (any Error).self) {
      try Fixtures.runtimeDefault().resolve(forCapabilities: ["FLY"], arch: .x86_64)
    }
  }

  @Test func conflictingUnconditionalActionsAreRefused() throws {
    let p = SeccompProfile(
      defaultAction: .errno,
      syscalls: [
        .init(names: ["read"], action: .allow), .init(names: ["read"], action: .log),
      ])
    #expect(throws: (any Error).self) { try p.resolve(forCapabilities: [], arch: .x86_64) }
  }

  @Test func resolvedPolicyIsAnOCISeccompObject() throws {
    let r = try Fixtures.runtimeDefault().resolve(forCapabilities: [], arch: .x86_64, kernel: KernelVersion(6, 1))
    let json = try JSONSerialization.jsonObject(with: r.canonicalJSON()) as? [String: Any]
    #expect(json?["defaultAction"] as? String == "SCMP_ACT_ERRNO")
    let first = (json?["syscalls"] as? [[String: Any]])?.first
    #expect(first?["names"] is [String])
    #expect(first?["action"] is String)
  }

  /// The calls the README lists as never allowed stay denied even with every capability.
  @Test func neverAllowedEvenWithAllCapabilities() throws {
    let r = try Fixtures.runtimeDefault().resolve(
      forCapabilities: Set(LinuxCapabilityName.all), arch: .x86_64, kernel: KernelVersion(6, 1))
    for name in [
      "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "swapon", "swapoff", "userfaultfd",
      "io_uring_setup", "io_uring_enter", "io_uring_register", "pivot_root", "uselib", "ustat", "sysfs",
      "_sysctl", "nfsservctl", "vm86", "vm86old", "create_module", "get_kernel_syms", "query_module",
      "move_pages",
    ] {
      #expect(r.rules(for: name).isEmpty, "\(name)")
    }
  }
}
