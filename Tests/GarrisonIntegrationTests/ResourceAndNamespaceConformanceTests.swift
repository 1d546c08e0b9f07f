import Foundation
import GarrisonKernel
import GarrisonOCI
import GarrisonRuntime
import Testing

/// Issue 14: linux.resources fields crun and runc apply (memory.reservation, kernelTCP, swappiness,
/// disableOOMKiller, hugepageLimits, blockIO where the controller exists; memory.kernel where memory.limit holds it), joined mount and UTS namespaces, and configs without a mount namespace.
@Suite(.serialized) struct ResourceAndNamespaceConformanceTests {
  static let canRun = Harness.skipReason == nil
  static let memoryV1 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes")
  static let hugetlb2MB = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes")
  static let blkioThrottle = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device")
  static let blkioWeight =
    FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio/blkio.weight")
    || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio/blkio.bfq.weight")
  /// major:minor of the first whole disk that is not a loop or zram device.
  static let disk: (Int64, Int64)? = {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []).sorted()
    for n in names where !n.hasPrefix("loop") && !n.hasPrefix("zram") && !n.hasPrefix("ram") {
      guard let dev = try? String(contentsOfFile: "/sys/block/\(n)/dev", encoding: .utf8) else { continue }
      let parts = dev.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").compactMap { Int64($0) }
      if parts.count == 2 { return (parts[0], parts[1]) }
    }
    return nil
  }()

  /// `create`s a container with `resources`, runs `check` on the host's view of its cgroup, deletes it.
  func withCreated(_ resources: RuntimeSpec.Resources, _ check: (_ id: String) throws -> Void) throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sleep", "30"])
    spec.linux!.resources = resources
    try b.write(spec)
    let id = "it-res-\(UUID().uuidString.prefix(6))"
    b.ids.append(id)
    let r = try b.oci(["create", "--bundle", b.dir, id])
    #expect(r.status == 0, "\(r.stderr)")
    if r.status == 0 { try check(id) }
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  static func read(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test(.enabled(if: canRun && memoryV1, "needs root, busybox, built binaries and the cgroup v1 memory controller"))
  func memoryReservationIsTheSoftLimit() throws {
    var resources = RuntimeSpec.Resources()
    resources.memory = .init(limit: 64 << 20, reservation: 32 << 20)
    try withCreated(resources) { id in
      #expect(Self.read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.soft_limit_in_bytes") == "\(32 << 20)")
      #expect(Self.read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.limit_in_bytes") == "\(64 << 20)")
    }
  }

  /// runtime-tools' `linux_cgroups_memory` config: `memory.kernel` and `kernelTCP` equal to the limit, swappiness
  /// and `disableOOMKiller`. kernelTCP, swappiness and the OOM killer land in their v1 files; `memory.kernel`
  /// is not written (Linux keeps no separate kernel-memory limit) because `memory.limit` holds it, which the
  /// command warns about and audits as an `enforcement.fallback`.
  @Test(.enabled(if: canRun && memoryV1, "needs root, busybox, built binaries and the cgroup v1 memory controller"))
  func memoryKnobsAppliedAndKernelMemoryHeldByTheLimit() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sleep", "30"])
    var memory = RuntimeSpec.Memory(limit: 48 << 20)
    memory.kernel = 48 << 20
    memory.kernelTCP = 48 << 20
    memory.swappiness = 10
    memory.disableOOMKiller = true
    spec.linux!.resources = .init(memory: memory)
    try b.write(spec)
    let id = "it-mem-\(UUID().uuidString.prefix(6))"
    b.ids.append(id)
    let r = try b.oci(["create", "--bundle", b.dir, id])
    #expect(r.status == 0, "\(r.stderr)")
    let dir = "/sys/fs/cgroup/memory/garrison-oci-\(id)/"
    if r.status == 0 {
      #expect(Self.read(dir + "memory.limit_in_bytes") == "\(48 << 20)")
      #expect(Self.read(dir + "memory.kmem.tcp.limit_in_bytes") == "\(48 << 20)")
      #expect(Self.read(dir + "memory.swappiness") == "10")
      #expect(Self.read(dir + "memory.oom_control").hasPrefix("oom_kill_disable 1"), "\(Self.read(dir + "memory.oom_control"))")
    }
    #expect(r.stderr.contains("warning: linux.resources.memory.kernel \(48 << 20) not written"), "\(r.stderr)")
    let fallback = try OCIAuditEventTests.records(b.stateRoot + "/audit")
      .filter { $0["kind"] as? String == "enforcement.fallback" }.compactMap { $0["details"] as? [String: Any] }
    #expect(
      fallback.contains {
        $0["mechanism"] as? String == "memory.kernel" && $0["requested"] as? String == "\(48 << 20)"
          && $0["applied"] as? String == "memory.limit \(48 << 20)"
      }, "\(fallback)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  /// A `memory.kernel` below `memory.limit`, or without one, cannot be held: refused naming the field (exit 3),
  /// and nothing is created.
  @Test(
    .enabled(if: canRun && memoryV1, "needs root, busybox, built binaries and the cgroup v1 memory controller"),
    arguments: [Int64(64 << 20), nil])
  func kernelMemoryBelowTheLimitRefused(_ limit: Int64?) throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["true"])
    var memory = RuntimeSpec.Memory(limit: limit)
    memory.kernel = 1 << 20
    spec.linux!.resources = .init(memory: memory)
    let r = try b.run(spec)
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains("linux.resources.memory.kernel") && r.stderr.contains("cannot be held"), "\(r.stderr)")
    let states = ((try? FileManager.default.contentsOfDirectory(atPath: b.stateRoot)) ?? []).filter { $0 != "audit" && !$0.hasPrefix(".") }
    #expect(states.isEmpty, "state left: \(states)")
  }

  @Test(.enabled(if: canRun && hugetlb2MB, "needs root, busybox, built binaries and a cgroup v1 hugetlb controller with 2MB pages"))
  func hugepageLimitsAreWritten() throws {
    var resources = RuntimeSpec.Resources()
    resources.hugepageLimits = .array([.object(["pageSize": .string("2MB"), "limit": .int(4 << 21)])])
    try withCreated(resources) { id in
      #expect(Self.read("/sys/fs/cgroup/hugetlb/garrison-oci-\(id)/hugetlb.2MB.limit_in_bytes") == "\(4 << 21)")
    }
    // Gone with the container: the on-demand hierarchy is cleaned up like the others.
    let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/hugetlb")) ?? []).filter {
      $0.hasPrefix("garrison-oci-it-res-")
    }
    #expect(left.isEmpty, "\(left)")
  }

  @Test(.enabled(if: canRun && blkioThrottle && disk != nil, "needs root, busybox, built binaries, cgroup v1 blkio and a disk"))
  func blockIOThrottlingIsWritten() throws {
    let (major, minor) = Self.disk!
    var resources = RuntimeSpec.Resources()
    resources.blockIO = .object([
      "throttleReadBpsDevice": .array([.object(["major": .integer(major), "minor": .integer(minor), "rate": .int(1_048_576)])]),
      "throttleWriteIOPSDevice": .array([.object(["major": .integer(major), "minor": .integer(minor), "rate": .int(300)])]),
    ])
    try withCreated(resources) { id in
      let dir = "/sys/fs/cgroup/blkio/garrison-oci-\(id)"
      #expect(Self.read(dir + "/blkio.throttle.read_bps_device") == "\(major):\(minor) 1048576")
      #expect(Self.read(dir + "/blkio.throttle.write_iops_device") == "\(major):\(minor) 300")
    }
  }

  /// This host's kernel has no proportional-weight I/O scheduler: a weight cannot be enforced and is refused
  /// naming the field (exit 3), never ignored.
  @Test(
    .enabled(if: canRun && blkioThrottle && !blkioWeight, "needs root, busybox, built binaries and cgroup v1 blkio without weight files"))
  func blockIOWeightWithoutAWeightFileIsRefused() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/true"])
    spec.linux!.resources = RuntimeSpec.Resources()
    spec.linux!.resources!.blockIO = .object(["weight": .int(500)])
    let r = try b.run(spec)
    #expect(r.status == 3 && r.stderr.contains("linux.resources.blockIO.weight"), "\(r.stderr)")
  }

  /// A mount and a UTS namespace joined by path (runtime-tools' linux_ns_path): the container runs in them and
  /// its hostname is set in the joined UTS namespace, not the host's.
  @Test(
    .enabled(
      if: canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs root, busybox, built binaries and unshare(1)"))
  func joinedMountAndUTSNamespaces() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    holder.arguments = ["--mount", "--uts", "--propagation", "private", "/bin/sleep", "60"]
    try holder.run()
    defer {
      kill(holder.processIdentifier, SIGKILL)
      holder.waitUntilExit()
    }
    let pid = holder.processIdentifier
    var mnt = ""
    for _ in 0..<200 {
      mnt = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt")) ?? ""
      if mnt != ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")) ?? "") { break }
      usleep(10_000)
    }
    let hostHostname = try Kernel.hostname()
    var spec = DefaultSpec.make(args: ["/bin/sh", "-c", "hostname; readlink /proc/self/ns/mnt; readlink /proc/self/ns/uts"])
    spec.hostname = "joined-uts"
    spec.linux!.namespaces = [
      .init(type: "pid"), .init(type: "ipc"), .init(type: "network"),
      .init(type: "mount", path: "/proc/\(pid)/ns/mnt"), .init(type: "uts", path: "/proc/\(pid)/ns/uts"),
    ]
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    let uts = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/uts")) ?? "?"
    #expect(lines == ["joined-uts", mnt, uts], "\(r.stdout)")
    let name = try Kernel.hostname()
    #expect(name != "joined-uts" && (hostHostname.isEmpty || name == hostHostname))
  }

  /// A config without namespaces (runtime-tools' linux_ns_itype) runs in the runtime's namespaces, as runc and
  /// crun run it: the same mount namespace as this test, the spec's mounts, masked and read-only paths below a
  /// private bind of the rootfs, the root a chroot. CAP_SYS_CHROOT, which could leave a chroot, is withheld with
  /// a warning and an `enforcement.fallback` event; a chroot escape attempt fails, a canary beside the rootfs
  /// stays out of reach, and no mount of the container is left in this mount namespace afterwards.
  @Test(.enabled(if: canRun, "needs root, busybox and built binaries"))
  func noNamespacesRunsInTheRuntimesWithTheRootKept() throws {
    let b = try Harness.Bundle()
    defer {
      // Should there be anything left (the test then fails below), it goes before the directories.
      Harness.detachMounts(mentioning: b.rootfs)
      b.cleanup()
    }
    try "canary\n".write(toFile: b.dir + "/canary", atomically: true, encoding: .utf8)
    var spec = DefaultSpec.make(args: [
      "/bin/sh", "-c",
      "readlink /proc/self/ns/mnt; grep CapBnd /proc/self/status; wc -c < /proc/timer_list; "
        + "cat /../canary 2>/dev/null || echo no-canary; "
        + "mkdir -p /tmp/x 2>/dev/null; chroot /tmp/x /bin/true 2>/dev/null || echo chroot-refused",
    ])
    spec.hostname = nil
    spec.linux!.namespaces = []
    spec.root!.readonly = false
    for key in [\RuntimeSpec.Capabilities.bounding, \.effective, \.permitted] {
      spec.process!.capabilities![keyPath: key] = (spec.process!.capabilities![keyPath: key] ?? []) + ["CAP_SYS_CHROOT"]
    }
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    let mine = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")) ?? "?"
    let lines = r.stdout.split(separator: "\n").map(String.init)
    // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10); not CAP_SYS_CHROOT (18).
    #expect(
      lines == [mine, "CapBnd:\t0000000020000420", "0", "no-canary", "chroot-refused"], "\(r.stdout)\n\(r.stderr)")
    #expect(
      r.stderr.contains("warning: process.capabilities: CAP_SYS_CHROOT not granted: without a mount namespace"),
      "\(r.stderr)")
    let events = try OCIAuditEventTests.records(b.stateRoot + "/audit")
    let fallback = events.filter { $0["kind"] as? String == "enforcement.fallback" }
    let details = fallback.first?["details"] as? [String: Any]
    #expect(
      fallback.count == 1 && details?["mechanism"] as? String == "capabilities.chroot"
        && details?["requested"] as? String == "CAP_SYS_CHROOT", "\(fallback)")
    #expect(Harness.hostMounts(mentioning: b.rootfs).isEmpty, "\(Harness.hostMounts(mentioning: b.rootfs))")
  }

  /// A container created without a mount namespace and deleted before it starts leaves no mount behind either
  /// (`delete` detaches the rootfs bind the init made, with /proc, /dev and the masks below it).
  @Test(.enabled(if: canRun, "needs root, busybox and built binaries"))
  func noMountNamespaceCreatedThenDeletedLeavesNoMount() throws {
    let b = try Harness.Bundle()
    defer {
      Harness.detachMounts(mentioning: b.rootfs)
      b.cleanup()
    }
    var spec = DefaultSpec.make(args: ["/bin/true"])
    spec.hostname = nil
    spec.linux!.namespaces = [.init(type: "pid")]
    try b.write(spec)
    let id = "it-nomnt-\(UUID().uuidString.prefix(6))"
    b.ids.append(id)
    let created = try b.oci(["create", "--bundle", b.dir, id])
    #expect(created.status == 0, "\(created.stderr)")
    #expect(Harness.hostMounts(mentioning: b.rootfs).count >= 3, "\(Harness.hostMounts(mentioning: b.rootfs))")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
    #expect(Harness.hostMounts(mentioning: b.rootfs).isEmpty, "\(Harness.hostMounts(mentioning: b.rootfs))")
  }

  /// Other namespaces may be inherited while the mount namespace is the container's own.
  @Test(.enabled(if: canRun, "needs root, busybox and built binaries"))
  func otherNamespacesMayBeInherited() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/pid"])
    spec.hostname = nil
    spec.linux!.namespaces = [.init(type: "mount")]
    let inherited = try b.run(spec)
    #expect(inherited.status == 0, "\(inherited.stderr)")
    let mine = ["net", "pid"].map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\($0)")) ?? "" }
    #expect(inherited.stdout.split(separator: "\n").map(String.init) == mine, "\(inherited.stdout)")
  }
}

/// `garrison-oci update` (runc's flags and `--resources FILE`), which containerd's shim runs for `crictl update`
/// and kubelet's in-place resize.
@Suite(.serialized) struct UpdateCommandTests {
  static let v1 =
    FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.shares")
    && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids")

  @Test(.enabled(if: Harness.skipReason == nil && v1, "needs root, busybox, built binaries and cgroup v1 memory, cpu and pids"))
  func updateChangesTheLimitsOfARunningContainer() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sleep", "30"])
    spec.linux!.resources = .init(memory: .init(limit: 64 << 20), pids: .init(limit: 100))
    try b.write(spec)
    let id = "it-update"
    b.ids.append(id)
    #expect(try b.oci(["create", "--bundle", b.dir, id]).status == 0)
    #expect(try b.oci(["start", id]).status == 0)
    let r = try b.oci([
      "update", "--memory", "128m", "--pids-limit", "50", "--cpu-shares", "512", "--cpu-period", "100000",
      "--cpu-quota", "50000", id,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let read = ResourceAndNamespaceConformanceTests.read
    #expect(read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.limit_in_bytes") == "\(128 << 20)")
    #expect(read("/sys/fs/cgroup/pids/garrison-oci-\(id)/pids.max") == "50")
    #expect(read("/sys/fs/cgroup/cpu/garrison-oci-\(id)/cpu.shares") == "512")
    #expect(read("/sys/fs/cgroup/cpu/garrison-oci-\(id)/cpu.cfs_quota_us") == "50000")
    // --resources FILE: a linux.resources object, as runc reads it.
    try #"{"memory":{"limit":100663296,"reservation":50331648},"pids":{"limit":40}}"#.write(
      toFile: b.dir + "/resources.json", atomically: true, encoding: .utf8)
    let f = try b.oci(["update", "--resources", b.dir + "/resources.json", id])
    #expect(f.status == 0, "\(f.stderr)")
    #expect(read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.limit_in_bytes") == "100663296")
    #expect(read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.soft_limit_in_bytes") == "50331648")
    #expect(read("/sys/fs/cgroup/pids/garrison-oci-\(id)/pids.max") == "40")
    // What cannot be applied is refused by field: the container has no hugetlb cgroup.
    try #"{"hugepageLimits":[{"pageSize":"2MB","limit":2097152}]}"#.write(
      toFile: b.dir + "/huge.json", atomically: true, encoding: .utf8)
    let h = try b.oci(["update", "--resources", b.dir + "/huge.json", id])
    #expect(h.status == 3 && h.stderr.contains("linux.resources.hugepageLimits"), "\(h.stderr)")
    let bad = try b.oci(["update", "--memory", "lots", id])
    #expect(bad.status == 2 && bad.stderr.contains("--memory"), "\(bad.stderr)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
    let gone = try b.oci(["update", "--pids-limit", "5", id])
    #expect(gone.status != 0, "\(gone.stderr)")
  }

  /// containerd's UpdateContainerResources (`crictl update`, kubelet's resize) sends the whole
  /// `linux.resources`, the container's device rules included, and swap equal to the memory limit: unchanged
  /// device rules are accepted and both limits raised (memsw first, or v1 says EINVAL); different rules are
  /// refused naming `linux.resources.devices`.
  @Test(
    .enabled(
      if: Harness.skipReason == nil && v1
        && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
      "needs root, busybox, built binaries, cgroup v1 memory, cpu and pids, and swap accounting"))
  func updateAcceptsTheDeviceRulesInForce() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sleep", "30"])
    spec.linux!.resources = .init(
      devices: [
        .init(allow: false, access: "rwm"),
        .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
      ],
      memory: .init(limit: 64 << 20, swap: 64 << 20))
    try b.write(spec)
    let id = "it-update-dev"
    b.ids.append(id)
    #expect(try b.oci(["create", "--bundle", b.dir, id]).status == 0)
    #expect(try b.oci(["start", id]).status == 0)
    let same =
      #"{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}],"memory":{"limit":134217728,"swap":134217728}}"#
    try same.write(toFile: b.dir + "/same.json", atomically: true, encoding: .utf8)
    let r = try b.oci(["update", "--resources", b.dir + "/same.json", id])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(ResourceAndNamespaceConformanceTests.read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.limit_in_bytes") == "\(128 << 20)")
    #expect(
      ResourceAndNamespaceConformanceTests.read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.memsw.limit_in_bytes") == "\(128 << 20)")
    let other = #"{"devices":[{"allow":true,"access":"rwm"}],"memory":{"limit":100663296}}"#
    try other.write(toFile: b.dir + "/other.json", atomically: true, encoding: .utf8)
    let o = try b.oci(["update", "--resources", b.dir + "/other.json", id])
    #expect(o.status == 3 && o.stderr.contains("linux.resources.devices"), "\(o.stderr)")
    #expect(ResourceAndNamespaceConformanceTests.read("/sys/fs/cgroup/memory/garrison-oci-\(id)/memory.limit_in_bytes") == "\(128 << 20)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }
}
