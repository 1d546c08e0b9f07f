import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// Real containers started with `garrison-oci run` from a busybox rootfs, asserting from inside.
@Suite(.serialized) struct ContainerConfinementTests {
  /// Probes run inside the restricted container: each prints `name=<exit status>`; every one must fail.
  static let deniedProbes: [(String, String)] = [
    ("mount", "mount -t tmpfs none /tmp"),
    ("unshare_user", "unshare -U true"),
    ("raw_socket", "ping -c 1 -W 1 127.0.0.1"),
    ("chown", "touch /tmp/f && chown 0:0 /tmp/f"),
    ("mknod", "mknod /tmp/null c 1 3"),
    ("sethostname", "hostname evil"),
    ("chroot", "chroot / true"),
    ("write_proc_sys", "echo 1 > /proc/sys/kernel/ns_last_pid"),
    ("write_sysrq", "echo h > /proc/sysrq-trigger"),
    ("write_sys", "echo 1 > /sys/kernel/profiling"),
    ("write_rootfs", "touch /garrison-was-here"),
    ("raise_nofile", "ulimit -n 4096"),
    ("read_masked_keys", "test -s /proc/keys"),
    ("read_masked_timer_list", "test -s /proc/timer_list"),
  ]

  static func probeScript(_ probes: [(String, String)]) -> String {
    probes.map { "( \($0.1) ) >/dev/null 2>&1; echo \($0.0)=$?" }.joined(separator: "\n")
  }

  static func parse(_ out: String) -> [String: Int] {
    var r: [String: Int] = [:]
    for line in out.split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1)
      if parts.count == 2, let n = Int(parts[1]) { r[String(parts[0])] = n }
    }
    return r
  }

  @Test(Harness.containers) func defaultSpecCredentialsAsSeenFromInside() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/cat", "/proc/self/status"])
    spec.linux!.seccomp = RuntimeSpecFixtures.runtimeDefaultLike
    let r = try b.run(spec)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(Harness.field(r.stdout, "Uid") == "0\t0\t0\t0")
    #expect(Harness.field(r.stdout, "CapEff") == "0000000020000420")  // AUDIT_WRITE, KILL, NET_BIND_SERVICE
    #expect(Harness.field(r.stdout, "CapBnd") == "0000000020000420")
    #expect(Harness.field(r.stdout, "CapInh") == "0000000000000000")  // CVE-2022-29162
    #expect(Harness.field(r.stdout, "NoNewPrivs") == "1")
    #expect(Harness.field(r.stdout, "Seccomp") == "2")
  }

  @Test(Harness.containers) func restrictedContainerCredentialsAndDeniedOperations() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let script =
      "grep -E '^(Uid|Gid|Groups|Cap...|NoNewPrivs|Seccomp):' /proc/self/status\n"
      + Self.probeScript(Self.deniedProbes)
    let r = try b.run(RuntimeSpecFixtures.restricted(["/bin/sh", "-c", script]))
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(Harness.field(r.stdout, "Uid") == "1000\t1000\t1000\t1000")
    #expect(Harness.field(r.stdout, "Gid") == "1000\t1000\t1000\t1000")
    #expect(Harness.field(r.stdout, "Groups") == "1001")
    for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
      #expect(Harness.field(r.stdout, cap) == "0000000000000000", "\(cap)")
    }
    #expect(Harness.field(r.stdout, "NoNewPrivs") == "1")
    #expect(Harness.field(r.stdout, "Seccomp") == "2")
    let results = Self.parse(r.stdout)
    for (name, _) in Self.deniedProbes {
      #expect(results[name] != nil && results[name] != 0, "\(name) should fail inside the container: \(r.stdout)")
    }
  }

  @Test(Harness.containers) func noDescriptorLeaksAndNoHostRuntimeVisible() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let script = """
      ls /proc/self/fd | tr '\\n' ' '; echo
      readlink /proc/1/exe
      find / -xdev -name 'garrison*' 2>/dev/null | wc -l
      ls /proc/1/cwd/ >/dev/null && echo cwd-ok
      """
    let r = try b.run(RuntimeSpecFixtures.restricted(["/bin/sh", "-c", script]))
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count >= 3, "\(r.stdout)")
    guard lines.count >= 3 else { return }
    let fds = Set(lines[0].split(separator: " ").map(String.init))
    // 0-2 plus the directory descriptor `ls` itself opened.
    #expect(fds.isSubset(of: ["0", "1", "2", "3"]), "leaked fds: \(fds)")
    #expect(lines[1] == "/bin/busybox", "pid 1 exe is \(lines[1])")
    #expect(lines[2] == "0", "a garrison binary is reachable in the rootfs")
  }

  @Test(Harness.containers) func rlimitAboveHostHardLimitIsClampedNotRaised() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = RuntimeSpecFixtures.restricted(["/bin/sh", "-c", "ulimit -H -n; ulimit -n"])
    spec.process!.rlimits = [.init(type: "RLIMIT_NOFILE", soft: 100, hard: 200)]
    let r = try b.run(spec)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.split(separator: "\n").map(String.init) == ["200", "100"])
  }

  @Test(Harness.containers) func exitStatusIsPropagated() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let r = try b.run(RuntimeSpecFixtures.restricted(["/bin/sh", "-c", "exit 7"]))
    #expect(r.status == 7)
  }

  @Test(Harness.containers) func noPivotStillConfinesTheRoot() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/sh", "-c", "ls / | tr '\\n' ' '"]))
    let r = try b.oci(["run", "--no-pivot", "--bundle", b.dir, "it-nopivot"])
    b.ids.append("it-nopivot")
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.contains("bin") && !r.stdout.contains("rootfs"), "\(r.stdout)")
  }

  @Test(Harness.containers) func deviceCgroupDeniesHostBlockDevicesEvenWithCapMknod() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    // Root with CAP_MKNOD: the device cgroup (deny all, then the default /dev nodes) refuses to create or
    // open a node for the host disk, while the default nodes keep working.
    var spec = RuntimeSpecFixtures.restricted([
      "/bin/sh", "-c",
      """
      mknod /tmp/disk b 254 0; echo mknod_disk=$?
      mknod /tmp/null2 c 1 3; echo mknod_null=$?
      head -c 1 /tmp/disk >/dev/null 2>&1; echo open_disk=$?
      head -c 1 /dev/zero >/dev/null 2>&1; echo open_zero=$?
      """,
    ])
    spec.process!.user = .init(uid: 0, gid: 0)
    let caps = ["CAP_MKNOD", "CAP_DAC_OVERRIDE"]
    spec.process!.capabilities = .init(bounding: caps, effective: caps, inheritable: [], permitted: caps, ambient: [])
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    let results = Self.parse(r.stdout)
    #expect(results["mknod_null"] == 0, "\(r.stdout)")  // CAP_MKNOD works for an allowed device
    #expect(results["mknod_disk"] != 0, "\(r.stdout)")  // the cgroup refuses 'm' for the disk
    #expect(results["open_disk"] != 0, "\(r.stdout)")
    #expect(results["open_zero"] == 0, "\(r.stdout)")
  }

  @Test(Harness.containers) func pidsLimitIsEnforced() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = RuntimeSpecFixtures.restricted([
      "/bin/sh", "-c",
      "sh -c 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait' 2>/dev/null; echo child=$?; set -- /proc/[0-9]*; echo procs=$#",
    ])
    spec.linux!.resources!.pids = .init(limit: 4)
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    let results = Self.parse(r.stdout)
    #expect(results["child"] != nil && results["child"] != 0, "\(r.stdout)")  // a fork hit pids.max
    #expect((results["procs"] ?? 99) <= 4, "\(r.stdout)")
  }
}
