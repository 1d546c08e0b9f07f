import Foundation
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI
import GarrisonRuntime
import GarrisonSeccomp
import GarrisonTestSupport
import Testing

/// Issue 14 (OCI runtime-tools conformance): seccomp profiles of the validation suite, nothing but execve under
/// the filter, root propagation after pivot_root.
@Suite(.serialized) struct ConformanceTests {
  static let canRun = Harness.skipReason == nil

  /// runtime-tools' default profile allows personality with three SCMP_CMP_EQ conditions on args[0].
  static let personalityRule = RuntimeSpec.Syscall(
    names: ["personality"], action: "SCMP_ACT_ALLOW",
    args: [
      .init(index: 0, value: 0x0, op: "SCMP_CMP_EQ"), .init(index: 0, value: 0x8, op: "SCMP_CMP_EQ"),
      .init(index: 0, value: 0xffff_ffff, op: "SCMP_CMP_EQ"),
    ])

  /// An allow-list with nothing the init needs before the filter: only what execve and a static busybox `true`
  /// use. getcwd, close_range, faccessat2 (and faccessat, access) kill the process.
  static let onlyExecve = RuntimeSpec.Seccomp(
    defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [
      .init(
        names: [
          "execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "mmap", "munmap",
          "mprotect", "readlink", "readlinkat", "uname", "getuid", "geteuid", "getgid", "getegid", "getpid",
          "gettid", "prlimit64", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
          "ioctl", "write", "writev", "read", "newfstatat", "fstat", "futex", "sigaltstack", "getrandom",
        ],
        action: "SCMP_ACT_ALLOW"),
      .init(names: ["getcwd", "close_range", "faccessat2", "faccessat", "access"], action: "SCMP_ACT_KILL_PROCESS"),
      personalityRule,
    ])

  @Test func theRuntimeCompilesRuntimeToolsPersonalityRuleAsAnOr() throws {
    let profile = RuntimeSpec.Seccomp(
      defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
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
    var spec = RuntimeSpecFixtures.restricted(["/bin/true"])
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
    var spec = RuntimeSpecFixtures.restricted(["true"])
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
    var statusSpec = RuntimeSpecFixtures.restricted(["/bin/cat", "/proc/self/status"])
    statusSpec.linux!.seccomp = Self.onlyExecve
    statusSpec.linux!.seccomp!.syscalls![0].names += ["openat", "close", "lseek", "fcntl"]
    let s = try b.run(statusSpec)
    #expect(
      s.status == 0 && Harness.field(s.stdout, "Seccomp") == "2" && Harness.field(s.stdout, "NoNewPrivs") == "1",
      "\(s.stdout)\(s.stderr)")
  }

  /// A failure after `ready` (the no_new_privs filter and `execve` now come after it) is still reported: `run`
  /// and `exec` read it from the sync socket and fail naming the step, never exit silently.
  @Test(.enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func aFailingExecveAfterReadyIsReported() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try "not a program\n".write(toFile: b.rootfs + "/bin/bad", atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: b.rootfs + "/bin/bad")
    let r = try b.run(RuntimeSpecFixtures.restricted(["/bin/bad"]))
    #expect(r.status == 4 && r.stderr.contains("execve /bin/bad") && r.stderr.contains("ENOEXEC"), "\(r.stderr)")
    var spec = RuntimeSpecFixtures.restricted(["/bin/sleep", "30"])
    spec.process!.noNewPrivileges = true
    try b.write(spec)
    let id = "it-execfail"
    b.ids.append(id)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, id]).status == 0)
    let e = try b.oci(["exec", id, "/bin/bad"])
    #expect(e.status == 4 && e.stderr.contains("execve /bin/bad"), "\(e.status) \(e.stderr) \(e.stdout)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  /// runc's and crun's order: the mount holding the rootfs private before the self-bind, `rootfsPropagation`
  /// applied to the new `/` after pivot_root. containerd asks for rshared with a Bidirectional volume.
  @Test(
    .enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"),
    arguments: [
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

  /// A Bidirectional volume (containerd: `rootfsPropagation: rshared` and an `rbind,rshared` bind): a mount made
  /// in the container appears on the host, and one made on the host appears in the container, as with runc
  /// (critest's "mount with 'rshared' should support propagation from host to container and vice versa"; the
  /// old root's rslave after pivot_root once cut the way back). The "host" is an `unshare -m` namespace, so its
  /// mounts go with it.
  @Test(
    .enabled(
      if: canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
      "needs root, /bin/busybox, built garrison-oci, garrison-init and unshare(1)"))
  func bidirectionalVolumePropagatesBothWays() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let host = b.dir + "/host"
    for d in ["/vol/fromhost", "/src"] {
      try FileManager.default.createDirectory(atPath: host + d, withIntermediateDirectories: true)
    }
    #expect(FileManager.default.createFile(atPath: host + "/src/flag", contents: Data()))
    var spec = DefaultSpec.make(args: [
      "sh", "-c",
      """
      busybox mkdir -p /vol/x && mount --bind /bin /vol/x || exit 1; i=0
      while [ ! -e /vol/fromhost/flag ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
      [ -e /vol/fromhost/flag ] && echo HOST-TO-CONTAINER
      """,
    ])
    let admin = ["CAP_SYS_ADMIN"]
    spec.process!.capabilities = .init(bounding: admin, effective: admin, inheritable: [], permitted: admin, ambient: [])
    spec.linux!.rootfsPropagation = "rshared"
    spec.mounts!.append(.init(destination: "/vol", type: "bind", source: host + "/vol", options: ["rbind", "rshared", "rw"]))
    try b.write(spec)
    b.ids.append("it-bidi")
    let script = """
      mount --bind "$1/vol" "$1/vol" && mount --make-rshared "$1/vol" || exit 1
      "$2" --root "$3" run --bundle "$4" it-bidi & pid=$!; i=0
      while [ ! -e "$1/vol/x/busybox" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
      [ -e "$1/vol/x/busybox" ] && echo CONTAINER-TO-HOST
      mount --bind "$1/src" "$1/vol/fromhost"
      wait $pid
      """
    var env = ProcessInfo.processInfo.environment
    env["GARRISON_SECCOMP_CACHE"] = b.seccompCache
    let r = try TestProcess.run(
      "/usr/bin/unshare",
      [
        "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", host,
        Harness.ociBinary, b.stateRoot, b.dir,
      ], env: env)
    #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
    #expect(r.stdout.contains("CONTAINER-TO-HOST"), "\(r.stdout) \(r.stderr)")
    #expect(r.stdout.contains("HOST-TO-CONTAINER"), "\(r.stdout) \(r.stderr)")
  }

  /// `runc spec`'s default config (runc 1.1.5, only `terminal` false and `args` changed): ambient capabilities
  /// without inheritable ones. runc and crun run it without raising them; so does garrison-oci, with a warning
  /// on stderr and an `enforcement.fallback` audit event naming them.
  static let runcSpecDefault =
    #"{"hostname":"runc","linux":{"maskedPaths":["/proc/acpi","/proc/asound","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/sys/firmware","/proc/scsi"],"namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],"readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"],"resources":{"devices":[{"access":"rwm","allow":false}]}},"mounts":[{"destination":"/proc","source":"proc","type":"proc"},{"destination":"/dev","options":["nosuid","strictatime","mode=755","size=65536k"],"source":"tmpfs","type":"tmpfs"},{"destination":"/dev/pts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"],"source":"devpts","type":"devpts"},{"destination":"/dev/shm","options":["nosuid","noexec","nodev","mode=1777","size=65536k"],"source":"shm","type":"tmpfs"},{"destination":"/dev/mqueue","options":["nosuid","noexec","nodev"],"source":"mqueue","type":"mqueue"},{"destination":"/sys","options":["nosuid","noexec","nodev","ro"],"source":"sysfs","type":"sysfs"},{"destination":"/sys/fs/cgroup","options":["nosuid","noexec","nodev","relatime","ro"],"source":"cgroup","type":"cgroup"}],"ociVersion":"1.0.2-dev","process":{"args":["/bin/cat","/proc/self/status"],"capabilities":{"ambient":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"bounding":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"effective":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"permitted":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]},"cwd":"/","env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"],"noNewPrivileges":true,"rlimits":[{"hard":1024,"soft":1024,"type":"RLIMIT_NOFILE"}],"terminal":false,"user":{"gid":0,"uid":0}},"root":{"path":"rootfs","readonly":true}}"#

  @Test(.enabled(if: canRun, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func runcSpecDefaultConfigRunsWithoutTheAmbientCapabilities() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try Self.runcSpecDefault.write(toFile: b.dir + "/config.json", atomically: true, encoding: .utf8)
    let id = "it-runcspec"
    b.ids.append(id)
    let r = try b.oci(["run", "--bundle", b.dir, id])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(Harness.field(r.stdout, "CapAmb") == "0000000000000000", "\(r.stdout)")
    #expect(
      Harness.field(r.stdout, "CapEff") == "0000000020000420" && Harness.field(r.stdout, "CapInh") == "0000000000000000",
      "\(r.stdout)")
    #expect(
      r.stderr.contains(
        "garrison-oci: warning: process.capabilities.ambient: CAP_AUDIT_WRITE, CAP_KILL, "
          + "CAP_NET_BIND_SERVICE not granted"), "\(r.stderr)")
    let events = try OCIAuditEventTests.records(b.stateRoot + "/audit")
    let fallback = events.filter { $0["kind"] as? String == "enforcement.fallback" }
    #expect(fallback.count == 1, "\(events.map { $0["kind"] ?? "" })")
    let details = fallback.first?["details"] as? [String: Any]
    #expect(
      details?["mechanism"] as? String == "capabilities.ambient"
        && details?["requested"] as? String == "CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE", "\(details ?? [:])")
    #expect(events.contains { $0["kind"] as? String == "enforcement.readback" && $0["outcome"] as? String == "allowed" })
  }
}

/// The read-back attestation when a container's process runs a setuid-root program (critest's "NoNewPrivs
/// should allow privilege escalation when false"). busybox drops its setuid privilege unless /etc/busybox.conf
/// says otherwise; `sleep = ssx root.root` keeps it for `sleep`, so the process holds uids [1000, 0, 0, 0].
@Suite(.serialized) struct SetuidAttestationTests {
  static func bundle() throws -> Harness.Bundle {
    let b = try Harness.Bundle()
    let fm = FileManager.default
    try fm.setAttributes([.posixPermissions: 0o4755], ofItemAtPath: b.rootfs + "/bin/busybox")
    try "root:x:0:\nuser:x:1000:\n".write(toFile: b.rootfs + "/etc/group", atomically: true, encoding: .utf8)
    try "[SUID]\nsleep = ssx root.root\n".write(toFile: b.rootfs + "/etc/busybox.conf", atomically: true, encoding: .utf8)
    try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: b.rootfs + "/etc/busybox.conf")
    return b
  }

  static func spec(noNewPrivileges: Bool) -> RuntimeSpec {
    var spec = DefaultSpec.make(args: ["/bin/sleep", "1"])
    spec.process!.user = .init(uid: 1000, gid: 1000)
    spec.process!.capabilities = .init(
      bounding: ["CAP_SETUID", "CAP_SETGID"], effective: [], inheritable: [],
      permitted: [], ambient: [])
    spec.process!.noNewPrivileges = noNewPrivileges
    return spec
  }

  /// The `Uid`, `Gid` and `escalation` fields of the container's `enforcement.readback` event.
  static func readback(_ b: Harness.Bundle) throws -> (outcome: String, fields: [String: [String]]) {
    let events = try OCIAuditEventTests.records(b.stateRoot + "/audit").filter { $0["kind"] as? String == "enforcement.readback" }
    let event = try #require(events.last)
    var fields: [String: [String]] = [:]
    for f in (event["details"] as? [String: Any])?["fields"] as? [[String: Any]] ?? [] {
      fields[f["field"] as? String ?? "", default: []].append(f["actual"] as? String ?? "")
    }
    return (event["outcome"] as? String ?? "", fields)
  }

  @Test(.enabled(if: Harness.skipReason == nil, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func withoutNoNewPrivsASetuidProgramRunsAndTheEscalationIsAudited() throws {
    let b = try Self.bundle()
    defer { b.cleanup() }
    let r = try b.run(Self.spec(noNewPrivileges: false))
    #expect(r.status == 0, "\(r.stderr)")
    let (outcome, fields) = try Self.readback(b)
    #expect(outcome == "allowed")
    // The busybox copy is set-user-ID (4755); busybox then sets its effective gid from busybox.conf (root.root),
    // which may or may not have happened when the runtime reads it.
    #expect(fields["Uid"] == ["1000 0 0 0"], "\(fields)")
    #expect(fields["Gid"] == ["1000 1000 1000 1000"] || fields["Gid"] == ["1000 0 0 0"], "\(fields)")
    #expect(fields["escalation"]?.first?.hasPrefix("Uid [1000, 0, 0, 0]") == true && fields["mismatch"] == nil, "\(fields)")
  }

  /// With no_new_privs the kernel ignores the setuid bit at execve: nothing escalates, the attestation sees
  /// the spec's ids and passes (and would kill the container if any id differed).
  @Test(.enabled(if: Harness.skipReason == nil, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func withNoNewPrivsTheKernelIgnoresTheSetuidBit() throws {
    let b = try Self.bundle()
    defer { b.cleanup() }
    let r = try b.run(Self.spec(noNewPrivileges: true))
    #expect(r.status == 0, "\(r.stderr)")
    let (outcome, fields) = try Self.readback(b)
    #expect(outcome == "allowed")
    #expect(fields["Uid"] == ["1000 1000 1000 1000"] && fields["Gid"] == ["1000 1000 1000 1000"], "\(fields)")
    #expect(fields["escalation"] == nil, "\(fields)")
  }

  /// A real id that is not the spec's is never a legitimate execve transition: still a mismatch.
  @Test func aChangedRealUidIsStillAMismatch() {
    var spec = InitSpec(
      mode: .create, rootfs: "/", lastCap: 40, user: .init(uid: 1000, gid: 1000),
      noNewPrivileges: false, cwd: "/", args: ["/bin/true"], env: [])
    spec.capabilities = CapabilitySets()
    let report = Attestation.check(id: "x", pid: getpid(), spec: spec, host: .current)  // this test process, not uid 1000
    #expect(getuid() == 1000 || report.mismatches.contains { $0.hasPrefix("Uid [") && $0.hasSuffix("!= 1000") }, "\(report.mismatches)")
    #expect(report.escalations == nil)
  }
}
