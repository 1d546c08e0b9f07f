import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// garrison-oci's cgroups through GarrisonCgroups, on this host (hybrid: v1 controllers plus an empty
/// cgroup2 mount). Every test uses a unique absolute cgroupsPath and checks nothing of it is left.
@Suite(.serialized) struct CgroupEnforcementTests {
  /// The hierarchies garrison-oci creates directories in on this host.
  static let hierarchies = ["memory", "cpu", "cpuacct", "cpuset", "pids", "freezer", "devices", "unified"]
    .map { "/sys/fs/cgroup/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/cgroup.procs") }

  static func read(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func leftovers(_ top: String) -> [String] {
    hierarchies.map { $0 + top }.filter { FileManager.default.fileExists(atPath: $0) }
  }

  static func limitedSpec(_ args: [String], path: String) -> RuntimeSpec {
    var spec = DefaultSpec.make(args: args)
    spec.mounts!.append(
      .init(
        destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "ro"]))
    spec.linux!.cgroupsPath = path
    var r = RuntimeSpec.Resources(
      devices: [.init(allow: false, access: "rwm")], memory: .init(limit: 64 << 20),
      cpu: .init(shares: 512, quota: 50_000, period: 100_000), pids: .init(limit: 10))
    r.cpu!.cpus = "0"
    spec.linux!.resources = r
    return spec
  }

  /// Limits land in the v1 files, the process is in every hierarchy, and delete removes the container's
  /// cgroup and the parents garrison-oci created (`/<top>/pod`, `/<top>`).
  @Test(Harness.containers) func limitsWrittenAndParentsRemoved() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let top = "/garrison-it-\(UUID().uuidString.prefix(8))"
    defer { for d in Self.leftovers(top).sorted(by: { $0.count > $1.count }) { rmdir(d) } }
    try b.write(Self.limitedSpec(["sleep", "30"], path: top + "/pod/ctr"))
    let id = "cg-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let created = try b.oci(["create", "--bundle", b.dir, id])
    #expect(created.status == 0, "\(created.stderr)")
    let leaf = top + "/pod/ctr"
    #expect(try Self.read("/sys/fs/cgroup/pids" + leaf + "/pids.max") == "10")
    #expect(try Self.read("/sys/fs/cgroup/memory" + leaf + "/memory.limit_in_bytes") == String(64 << 20))
    #expect(try Self.read("/sys/fs/cgroup/cpu" + leaf + "/cpu.shares") == "512")
    #expect(try Self.read("/sys/fs/cgroup/cpu" + leaf + "/cpu.cfs_quota_us") == "50000")
    #expect(try Self.read("/sys/fs/cgroup/cpuset" + leaf + "/cpuset.cpus") == "0")
    // Deny-all then the default nodes: the v1 devices list is exactly the allowed defaults.
    let list = try Self.read("/sys/fs/cgroup/devices" + leaf + "/devices.list").split(separator: "\n")
    #expect(list.contains("c 1:3 rwm") && list.contains("c 136:* rwm") && !list.contains("a *:* rwm"), "\(list)")
    let state = try b.oci(["state", id])
    let pid = try #require(try JSONDecoder().decode(ContainerState.self, from: Data(state.stdout.utf8)).pid)
    for h in Self.hierarchies {
      #expect(try Self.read(h + leaf + "/cgroup.procs").split(separator: "\n").contains("\(pid)"), "\(h)")
      // Born there (CgroupBirthplace): the pre-fork init is gone and no thread of the runtime stayed.
      if FileManager.default.fileExists(atPath: h + leaf + "/tasks") {
        #expect(try Self.read(h + leaf + "/tasks") == "\(pid)", "\(h)")
      }
    }
    let deleted = try b.oci(["delete", "--force", id])
    #expect(deleted.status == 0, "\(deleted.stderr)")
    #expect(Self.leftovers(top).isEmpty, "left behind: \(Self.leftovers(top))")
  }

  /// The placement for kernels without `CLONE_INTO_CGROUP` (forced with GARRISON_OCI_PLACE_BY_PROCS=1): the
  /// container process is moved with cgroup.procs writes, ends up in every hierarchy all the same, its limits
  /// hold, and exec joins it the same way.
  @Test(Harness.containers) func placementByCgroupProcsWhereCloneIntoCgroupIsMissing() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let top = "/garrison-it-\(UUID().uuidString.prefix(8))"
    defer { for d in Self.leftovers(top).sorted(by: { $0.count > $1.count }) { rmdir(d) } }
    try b.write(Self.limitedSpec(["sleep", "30"], path: top + "/ctr"))
    let id = "cgp-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let env = ["GARRISON_OCI_PLACE_BY_PROCS": "1", "PATH": "/usr/bin:/bin"]
    let created = try TestProcess.run(Harness.ociBinary, ["--root", b.stateRoot, "create", "--bundle", b.dir, id], env: env)
    #expect(created.status == 0, "\(created.stderr)")
    let state = try b.oci(["state", id])
    let pid = try #require(try JSONDecoder().decode(ContainerState.self, from: Data(state.stdout.utf8)).pid)
    let leaf = top + "/ctr"
    for h in Self.hierarchies {
      #expect(try Self.read(h + leaf + "/cgroup.procs") == "\(pid)", "\(h)")
    }
    #expect(try Self.read("/sys/fs/cgroup/pids" + leaf + "/pids.max") == "10")
    let started = try TestProcess.run(Harness.ociBinary, ["--root", b.stateRoot, "start", id], env: env)
    #expect(started.status == 0, "\(started.stderr)")
    let exec = try TestProcess.run(Harness.ociBinary, ["--root", b.stateRoot, "exec", id, "cat", "/proc/self/cgroup"], env: env)
    #expect(exec.status == 0, "\(exec.stderr)")
    #expect(exec.stdout.contains("pids:/\n"), "exec not in the container's pids cgroup: \(exec.stdout)")
    let deleted = try b.oci(["delete", "--force", id])
    #expect(deleted.status == 0, "\(deleted.stderr)")
    #expect(Self.leftovers(top).isEmpty, "left behind: \(Self.leftovers(top))")
  }

  /// pids.max 10 stops the 20th fork; with a cgroup namespace the container reads its own limits
  /// under /sys/fs/cgroup (v1 hierarchies mounted by name on this hybrid host).
  @Test(Harness.containers) func pidsLimitStopsForksAndLimitsVisibleInside() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let top = "/garrison-it-\(UUID().uuidString.prefix(8))"
    defer { for d in Self.leftovers(top).sorted(by: { $0.count > $1.count }) { rmdir(d) } }
    let script = """
      cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; \
      n=0; while [ $n -lt 20 ]; do sleep 3 & n=$((n+1)); done; echo started $n
      """
    let r = try b.run(Self.limitedSpec(["sh", "-c", script], path: top + "/ctr"))
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == String(64 << 20) && lines.dropFirst().first == "10", "\(r.stdout) \(r.stderr)")
    #expect(r.stderr.contains("can't fork"), "20 forks under pids.max 10 should fail: \(r.stdout) \(r.stderr)")
    #expect(Self.leftovers(top).isEmpty, "left behind: \(Self.leftovers(top))")
  }

  /// A host device bind-mounted in (/dev/fuse, mode 0666) is denied by the deny-all rule, even to root,
  /// and usable once a rule allows it.
  @Test(Harness.containers) func deviceRulesEnforced() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["sh", "-c", "exec 3<>/dev/fuse && echo opened"])
    spec.mounts!.append(.init(destination: "/dev/fuse", type: "bind", source: "/dev/fuse", options: ["bind", "nosuid"]))
    spec.linux!.resources = .init(devices: [.init(allow: false, access: "rwm")])
    let denied = try b.run(spec)
    #expect(denied.status != 0 && !denied.stdout.contains("opened"), "\(denied.stdout) \(denied.stderr)")
    #expect(denied.stderr.contains("not permitted"), "\(denied.stderr)")
    spec.linux!.resources!.devices!.append(.init(allow: true, type: "c", major: 10, minor: 229, access: "rw"))
    let allowed = try b.run(spec)
    #expect(allowed.status == 0 && allowed.stdout.contains("opened"), "\(allowed.stdout) \(allowed.stderr)")
  }

  /// `features` reports cgroup v1 and v2 (GarrisonCgroups) and no systemd driver.
  @Test(Harness.containers) func featuresReportCgroupDrivers() throws {
    let r = try TestProcess.run(Harness.ociBinary, ["features"])
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    let cgroup = (doc?["linux"] as? [String: Any])?["cgroup"] as? [String: Bool]
    #expect(cgroup == ["v1": true, "v2": true, "systemd": false, "systemdUser": false])
  }

  /// As in runc, zeros (what containerd and podman write for "unset") leave the files alone.
  @Test(Harness.containers) func zerosMeanUnset() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["true"])
    spec.linux!.resources = .init(
      memory: .init(limit: 0, swap: 0), cpu: .init(shares: 0, quota: 0, period: 0),
      pids: .init(limit: 0))
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
  }

  /// Resources garrison-oci cannot apply are refused by field, and nothing is left behind (a huge page size the
  /// kernel does not offer, a blockIO key runtime-spec does not define, a kernel-memory ceiling below the memory
  /// limit, unified keys).
  @Test(Harness.containers, arguments: ["hugepageLimits", "blockIO", "memory.kernel", "unified"])
  func unsupportedResourcesRefused(_ field: String) throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let top = "/garrison-it-\(UUID().uuidString.prefix(8))"
    defer { for d in Self.leftovers(top).sorted(by: { $0.count > $1.count }) { rmdir(d) } }
    var spec = DefaultSpec.make(args: ["true"])
    spec.linux!.cgroupsPath = top + "/ctr"
    var r = RuntimeSpec.Resources(pids: .init(limit: 10))
    switch field {
    case "hugepageLimits": r.hugepageLimits = .array([.object(["pageSize": .string("3MB"), "limit": .int(0)])])
    case "blockIO": r.blockIO = .object(["throttleBogusDevice": .array([])])
    case "memory.kernel": r.memory = .init(limit: 64 << 20); r.memory!.kernel = 1 << 20
    default: r.unified = ["memory.high": "1000000"]
    }
    spec.linux!.resources = r
    let result = try b.run(spec)
    #expect(result.status == 3, "\(result.stderr)")
    #expect(result.stderr.contains("linux.resources." + field.split(separator: ".").first!), "\(result.stderr)")
    #expect(Self.leftovers(top).isEmpty, "left behind: \(Self.leftovers(top))")
    // .init-lower: the runtime's shared overlay scratch
    let states = ((try? FileManager.default.contentsOfDirectory(atPath: b.stateRoot)) ?? []).filter { $0 != "audit" && !$0.hasPrefix(".") }
    #expect(states.isEmpty, "state left: \(states)")
  }
}
