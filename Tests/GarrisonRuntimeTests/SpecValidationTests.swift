import Foundation
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// Validation, protocol and attestation logic that needs no root.
struct SpecValidationTests {
  func bundle() throws -> String {
    let dir = "/var/tmp/garrison-unit-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir + "/rootfs", withIntermediateDirectories: true)
    return dir
  }

  func build(_ mutate: (inout RuntimeSpec) -> Void) throws -> InitSpec {
    let dir = try bundle()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var spec = DefaultSpec.make(args: ["/bin/true"])
    mutate(&spec)
    return try InitSpecBuilder(seccomp: OCISeccompCompiler(), host: .current).build(spec, bundle: dir, noPivot: false)
  }

  func error(_ mutate: (inout RuntimeSpec) -> Void) -> GarrisonError? {
    do {
      _ = try build(mutate)
      return nil
    } catch let e as GarrisonError {
      return e
    } catch {
      return GarrisonError(.system, "\(error)")
    }
  }

  @Test func defaultSpecResolvesToNumbers() throws {
    let s = try build { _ in }
    #expect(s.capabilities.bounding == (1 << 29) | (1 << 5) | (1 << 10))
    #expect(s.capabilities.inheritable == 0)
    #expect(s.noNewPrivileges)
    #expect(s.readonlyRoot)
    #expect(s.defaultDevices)
    #expect(s.namespaces.map(\.type) == ["pid", "network", "ipc", "uts", "mount", "cgroup"])
    #expect(s.rlimits == [.init(resource: 7, name: "RLIMIT_NOFILE", soft: 1024, hard: 1024)])
    let proc = s.mounts.first { $0.destination == "/dev/pts" }
    #expect(proc?.flags == LinuxConstants.MS_NOSUID | LinuxConstants.MS_NOEXEC)
    #expect(proc?.data == "newinstance,ptmxmode=0666,mode=0620,gid=5")
  }

  /// Without a mount namespace the root is a chroot: CAP_SYS_CHROOT leaves every set (and is named as withheld),
  /// the other capabilities stay; with one, it stays.
  @Test func noMountNamespaceWithholdsChrootCapability() throws {
    let chroot = UInt64(1) << 18
    func withChroot(_ s: inout RuntimeSpec) {
      for key in [\RuntimeSpec.Capabilities.bounding, \.effective, \.permitted, \.inheritable] {
        s.process!.capabilities![keyPath: key] = (s.process!.capabilities![keyPath: key] ?? []) + ["CAP_SYS_CHROOT"]
      }
    }
    let shared = try build {
      withChroot(&$0)
      $0.hostname = nil
      $0.linux!.namespaces!.removeAll { $0.type == "mount" }
    }
    #expect(shared.sharesRuntimeMountNamespace)
    let c = shared.capabilities
    #expect([c.bounding, c.effective, c.permitted, c.inheritable].allSatisfy { $0 & chroot == 0 })
    #expect(c.bounding == (1 << 29) | (1 << 5) | (1 << 10))
    var spec = DefaultSpec.make(args: ["/bin/true"])
    withChroot(&spec)
    spec.linux!.namespaces = []
    #expect(GrantWithheld.all(spec.process, sharesRuntimeMountNamespace: true).map(\.names) == [["CAP_SYS_CHROOT"]])
    #expect(GrantWithheld.all(spec.process, sharesRuntimeMountNamespace: false).isEmpty)
    let own = try build { withChroot(&$0) }
    #expect(!own.sharesRuntimeMountNamespace && own.capabilities.bounding & chroot != 0)
  }

  @Test func seccompIsCompiledToBPFInTheParent() throws {
    let s = try build {
      $0.linux!.seccomp = .init(
        defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG"],
        syscalls: [.init(names: ["mount", "no_such_syscall"], action: "SCMP_ACT_ERRNO")])
    }
    let bpf = try #require(s.seccomp)
    #expect(bpf.bpf.count % 8 == 0 && bpf.bpf.count >= 8 * 4)
    #expect(bpf.flags == LinuxConstants.SECCOMP_FILTER_FLAG_LOG)
  }

  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var field: String
    var code: GarrisonError.Code
    var mutate: @Sendable (inout RuntimeSpec) -> Void
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "unknown capability", field: "process.capabilities.effective[0]", code: .invalid) {
      $0.process!.capabilities!.effective = ["CAP_BOGUS"]
    },
    Case(name: "effective beyond permitted", field: "process.capabilities.effective", code: .invalid) {
      $0.process!.capabilities!.effective = ["CAP_KILL", "CAP_CHOWN"]
      $0.process!.capabilities!.bounding = ["CAP_KILL", "CAP_CHOWN"]
    },
    Case(name: "missing rootfs", field: "root.path", code: .notFound) { $0.root = .init(path: "nope") },
    Case(name: "user namespace without maps", field: "linux.uidMappings", code: .invalid) {
      $0.linux!.namespaces!.append(.init(type: "user"))
    },
    Case(name: "maps without user namespace", field: "linux.uidMappings", code: .invalid) {
      $0.linux!.uidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
    },
    Case(name: "user namespace without root mapped", field: "linux.gidMappings", code: .invalid) {
      $0.linux!.namespaces!.append(.init(type: "user"))
      $0.linux!.uidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
      $0.linux!.gidMappings = [.init(containerID: 1, hostID: 100000, size: 65536)]
    },
    Case(name: "overlapping maps", field: "linux.uidMappings[1]", code: .invalid) {
      $0.linux!.namespaces!.append(.init(type: "user"))
      $0.linux!.uidMappings = [.init(containerID: 0, hostID: 100000, size: 10), .init(containerID: 5, hostID: 200000, size: 10)]
      $0.linux!.gidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
    },
    Case(name: "unmapped process user", field: "process.user.gid", code: .invalid) {
      $0.linux!.namespaces!.append(.init(type: "user"))
      $0.linux!.uidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
      $0.linux!.gidMappings = [.init(containerID: 0, hostID: 100000, size: 10)]
      $0.process!.user = .init(uid: 1000, gid: 1000)
    },
    Case(name: "host sysctl", field: "linux.sysctl[kernel.panic]", code: .refused) {
      $0.linux!.sysctl = ["kernel.panic": "1"]
    },
    Case(name: "net sysctl without netns", field: "linux.sysctl[net.ipv4.ip_forward]", code: .refused) {
      $0.linux!.sysctl = ["net.ipv4.ip_forward": "1"]
      $0.linux!.namespaces!.removeAll { $0.type == "network" }
    },
    Case(name: "unknown rlimit", field: "process.rlimits[0].type", code: .invalid) {
      $0.process!.rlimits = [.init(type: "RLIMIT_BOGUS", soft: 1, hard: 1)]
    },
    Case(name: "relative mount destination", field: "mounts[0].destination", code: .invalid) {
      $0.mounts![0].destination = "proc"
    },
    Case(name: "apparmor without kernel support", field: "process.apparmorProfile", code: .unenforceable) {
      $0.process!.apparmorProfile = "garrison-default"
    },
    Case(name: "console size out of range", field: "process.consoleSize", code: .invalid) {
      $0.process!.terminal = true
      $0.process!.consoleSize = .init(height: 70000, width: 80)
    },
    Case(name: "unknown seccomp action", field: "linux.seccomp.syscalls[0].action", code: .invalid) {
      $0.linux!.seccomp = .init(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["mount"], action: "SCMP_ACT_NOPE")])
    },
  ]

  /// Whether this kernel has AppArmor enabled (then an AppArmor profile is enforceable, not refused).
  static let appArmorEnabled = HostLSM.current.appArmor

  @Test(arguments: cases.filter { !$0.name.hasPrefix("apparmor") }) func invalidSpecsNameTheField(_ c: Case) throws {
    try check(c)
  }

  @Test(.enabled(if: !appArmorEnabled, "this kernel has AppArmor enabled: a profile is enforceable here"))
  func appArmorWithoutKernelSupportIsUnenforceable() throws {
    try check(try #require(Self.cases.first { $0.name.hasPrefix("apparmor") }))
  }

  func check(_ c: Case) throws {
    let e = try #require(error(c.mutate))
    #expect(e.fieldPath?.description == c.field, "\(e)")
    #expect(e.code == c.code, "\(e)")
  }

  @Test func invalidJSONNamesSyntax() throws {
    #expect(throws: GarrisonError.self) { try BundleLoader.decode(Data("{\"ociVersion\": 1".utf8)) }
    do {
      _ = try BundleLoader.decode(Data("{\"ociVersion\": \"1\", \"process\": {\"cwd\": 3}}".utf8))
      Issue.record("decoded a bad type")
    } catch let e as GarrisonError {
      #expect(e.fieldPath?.description.hasPrefix("process") == true, "\(e)")
    }
  }

  @Test(arguments: [
    ("pid 42", SyncProtocol.Message.pid(42)),
    ("ready", .ready),
    ("userns", .userns),
    (
      "error setresuid to 1000: EPERM (Operation not permitted)",
      .error(step: "setresuid to 1000", text: "EPERM (Operation not permitted)")
    ),
    ("clamped RLIMIT_NOFILE 10 99 10 50", .clamped(name: "RLIMIT_NOFILE", requestedSoft: 10, requestedHard: 99, soft: 10, hard: 50)),
  ]) func syncMessagesRoundTrip(_ line: String, _ message: SyncProtocol.Message) {
    #expect(SyncProtocol.Message(line: line) == message)
    #expect(message.line == line)
  }

  @Test func attestationFlagsMoreCapabilitiesThanSpecified() throws {
    // This test process is the subject: compare it with a spec that grants nothing.
    let me = try ProcStatus.read(pid: nil)
    var spec = try build { _ in }
    spec.user = .init(uid: me.uids.first ?? 0, gid: me.gids.first ?? 0, additionalGids: me.groups)
    spec.capabilities = CapabilitySets()
    spec.noNewPrivileges = true
    let report = Attestation.check(id: "self", pid: getpid(), spec: spec, host: .current)
    #expect(!report.exitedEarly)
    if me.capBnd != 0 {
      #expect(report.mismatches.contains { $0.hasPrefix("CapBnd") }, "\(report.mismatches)")
    }
    spec.capabilities = CapabilitySets(
      bounding: me.capBnd, effective: me.capEff, permitted: me.capPrm,
      inheritable: me.capInh, ambient: me.capAmb)
    spec.noNewPrivileges = me.noNewPrivs == 1
    spec.seccomp = nil
    #expect(Attestation.check(id: "self", pid: getpid(), spec: spec, host: .current).passed)
  }

  @Test func userNamespaceIsResolvedWithMapsAndAttestedAgainstHostIds() throws {
    let s = try build {
      $0.linux!.namespaces!.append(.init(type: "user"))
      $0.linux!.uidMappings = [.init(containerID: 0, hostID: 100000, size: 1000), .init(containerID: 1000, hostID: 300000, size: 10)]
      $0.linux!.gidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
      $0.process!.user = .init(uid: 1005, gid: 5, additionalGids: [7])
    }
    #expect(s.hasUserNamespace)
    #expect(UserNamespaceMaps.text(s.uidMappings ?? []) == "0 100000 1000\n1000 300000 10\n")
    #expect(InitSpec.IDMap.host(1005, in: s.uidMappings ?? []) == 300005)
    #expect(InitSpec.IDMap.host(1010, in: s.uidMappings ?? []) == nil)
    // This test process (host ids) is attested against the spec: only a spec mapping to our ids passes.
    let me = try ProcStatus.read(pid: nil)
    var spec = s
    spec.capabilities = CapabilitySets(
      bounding: me.capBnd, effective: me.capEff, permitted: me.capPrm,
      inheritable: me.capInh, ambient: me.capAmb)
    spec.noNewPrivileges = me.noNewPrivs == 1
    spec.seccomp = nil
    spec.user = .init(uid: 0, gid: 0, additionalGids: [])
    let report = Attestation.check(id: "self", pid: getpid(), spec: spec, host: .current)
    #expect(report.mismatches.contains { $0.hasPrefix("Uid") && $0.contains("host 100000") }, "\(report.mismatches)")
    spec.uidMappings = [.init(containerID: 0, hostID: me.uids[0], size: 1)]
    spec.gidMappings =
      [.init(containerID: 0, hostID: me.gids[0], size: 1)]
      + me.groups.enumerated().map {
        .init(containerID: UInt32($0.offset + 1), hostID: $0.element, size: 1)
      }
    spec.user.additionalGids = me.groups.indices.map { UInt32($0 + 1) }
    #expect(Attestation.check(id: "self", pid: getpid(), spec: spec, host: .current).passed)
  }

  @Test func procStatusParsing() {
    let text = "Uid:\t1000\t1000\t1000\t1000\nGroups:\t5 6 \nCapEff:\t0000000020000420\nNoNewPrivs:\t1\nSeccomp:\t2\nThreads:\t1\n"
    let s = ProcStatus(parsing: text)
    #expect(s.uids == [1000, 1000, 1000, 1000])
    #expect(s.groups == [5, 6])
    #expect(s.capEff == 0x2000_0420)
    #expect(s.noNewPrivs == 1 && s.seccomp == 2 && s.threads == 1)
    // No final newline, a state with its description, a malformed number (ignored, not misread).
    let t = ProcStatus(parsing: "State:\tS (sleeping)\nGid:\t0 x1 7\nCapBnd:\t000001ffffffffff")
    #expect(t.state == "S" && t.gids == [0, 7] && t.capBnd == 0x1ff_ffff_ffff)
    let own = try? ProcStatus.read(pid: nil)
    #expect(own?.uids.first == getuid() && (own?.threads ?? 0) >= 1)
  }
}

/// Runtime-spec fields garrison-oci does not enforce are refused by name, never ignored (`UnsupportedSpecFields`).
struct UnsupportedSpecFieldTests {
  static let cases: [(json: String, field: String)] = [
    (#""process": {"scheduler": {"policy": "SCHED_FIFO", "priority": 10}}"#, "process.scheduler"),
    (#""process": {"ioPriority": {"class": "IOPRIO_CLASS_RT", "priority": 0}}"#, "process.ioPriority"),
    (#""process": {"execCPUAffinity": {"initial": "0"}}"#, "process.execCPUAffinity"),
    (#""linux": {"intelRdt": {"closID": "guaranteed_group"}}"#, "linux.intelRdt"),
    (#""linux": {"netDevices": {"eth1": {}}}"#, "linux.netDevices"),
    (#""linux": {"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0"}}"#, "linux.memoryPolicy"),
    (
      #""mounts": [{"destination": "/m", "type": "bind", "source": "/tmp", "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]"#,
      "mounts[0].uidMappings"
    ),
  ]

  @Test(arguments: 0..<cases.count) func refusedByName(_ i: Int) throws {
    let (json, field) = Self.cases[i]
    let config = Data("{\"ociVersion\": \"1.2.0\", \(json)}".utf8)
    do {
      _ = try BundleLoader.decode(config)
      Issue.record("\(field) was accepted")
    } catch let e as GarrisonError {
      #expect(e.code == .unenforceable && e.fieldPath?.description == field, "\(e)")
      #expect(e.exitCode == ExitCodes.refused)
    }
  }

  @Test func nullOrEmptyAsksForNothing() throws {
    let config = Data(
      #"{"ociVersion": "1.2.0", "process": {"scheduler": null, "cwd": "/", "args": ["/bin/true"], "user": {"uid": 0, "gid": 0}}, "linux": {"netDevices": {}, "timeOffsets": {}}}"#
        .utf8)
    #expect(try BundleLoader.decode(config).process?.args == ["/bin/true"])
  }

  /// Without SELinux (this host) a mount label is refused, never ignored; `SELinuxContextTests` covers a kernel with it.
  @Test func mountLabelIsRefusedNeverIgnored() throws {
    var spec = DefaultSpec.make(args: ["/bin/true"])
    spec.linux?.mountLabel = "system_u:object_r:container_file_t:s0"
    let e = try #require(try RuntimeSpecFixtures.buildError(spec))
    #expect(e.code == .unenforceable && e.fieldPath?.description == "linux.mountLabel", "\(e)")
  }
}
