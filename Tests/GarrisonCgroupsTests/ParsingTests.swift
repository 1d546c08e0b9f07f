import GarrisonCore
import GarrisonKernel
import Testing

@testable import GarrisonCgroups

/// Fixtures: this machine's hybrid layout, a systemd unified host, and a v1 host with a
/// co-mounted cpu,cpuacct hierarchy.
enum Fixtures {
  static let procCgroups = """
    #subsys_name\thierarchy\tnum_cgroups\tenabled
    cpuset\t3\t1\t1
    cpu\t1\t1\t1
    cpuacct\t2\t1\t1
    blkio\t7\t1\t1
    memory\t4\t25\t1
    devices\t5\t1\t1
    freezer\t6\t1\t1
    net_cls\t0\t1\t1
    hugetlb\t0\t1\t1
    pids\t8\t1\t1

    """
  static let hybridMountinfo = """
    24 1 0:22 / /proc rw,nosuid - proc proc rw
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
    37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
    38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

    """
  static let hybridCgroup = """
    9:name=systemd:/
    8:pids:/
    7:blkio:/
    6:freezer:/
    5:devices:/
    4:memory:/process_api/0bc6
    3:cpuset:/
    2:cpuacct:/
    1:cpu:/
    0::/

    """
  static let unifiedMountinfo = """
    30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot

    """
  static let unifiedCgroup = "0::/user.slice/user-0.slice/session-1.scope\n"
  static let legacyMountinfo = """
    25 24 0:21 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct
    26 24 0:22 / /sys/fs/cgroup/memory rw shared:10 - cgroup cgroup rw,memory
    27 24 0:22 /docker/abc /mnt/memory\\040copy rw - cgroup cgroup rw,memory

    """
  static let legacyCgroup = "3:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n"
}

@Suite struct ParsingTests {
  @Test func mountinfoFields() throws {
    let entries = try MountInfoEntry.parse(Fixtures.legacyMountinfo)
    #expect(entries.count == 3)
    #expect(entries[0].fsType == "cgroup" && entries[0].superOptions == ["rw", "cpu", "cpuacct"])
    #expect(entries[0].mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
    #expect(entries[2].mountPoint == "/mnt/memory copy" && entries[2].root == "/docker/abc")
    #expect(try MountInfoEntry.parse(Fixtures.unifiedMountinfo)[0].superOptions.contains("nsdelegate"))
  }

  @Test func malformedMountinfoIsAnError() {
    #expect(throws: GarrisonError.self) { try MountInfoEntry.parse("31 23 0:28 / /sys/fs/cgroup rw\n") }
    #expect(throws: GarrisonError.self) {
      try MountInfoEntry.parse("x 23 0:28 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 rw\n")
    }
  }

  /// The mount on top at a path is the one no other mount at that path is mounted on, wherever mountinfo lists
  /// it (a container rootfs bound onto itself, then masked: `SharedNamespaceRoot`).
  @Test func topmostMountAtAPath() throws {
    let table = try MountInfoEntry.parse(
      "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
        + "39 1 0:33 / /var/tmp/b/rootfs rw - overlay overlay rw\n"
        + "41 38 0:50 / /var/tmp/b/rootfs/proc rw - proc proc rw\n"
        + "38 39 0:33 / /var/tmp/b/rootfs rw - overlay overlay rw\n")
    #expect(table[1].id == 39 && table[1].parent == 1)
    // The overlay (39) on /, the self-bind (38) on the overlay, listed after a mount made below it.
    #expect(MountInfoEntry.topmost(at: "/var/tmp/b/rootfs", in: table) == 38)
    #expect(MountInfoEntry.topmost(at: "/var/tmp/b/rootfs/proc", in: table) == 41)
    #expect(MountInfoEntry.topmost(at: "/var/tmp/b", in: table) == nil)
  }

  @Test func procCgroupLines() throws {
    let m = try CgroupMembership.parse(Fixtures.hybridCgroup + "10:name=x:/a:b\n")
    #expect(m.count == 11)
    #expect(m[0] == CgroupMembership(hierarchyID: 9, controllers: ["name=systemd"], path: "/"))
    #expect(m[5] == CgroupMembership(hierarchyID: 4, controllers: ["memory"], path: "/process_api/0bc6"))
    #expect(m[9].isUnified && m[9].path == "/")
    #expect(m[10].path == "/a:b")
    #expect(throws: GarrisonError.self) { try CgroupMembership.parse("garbage\n") }
  }

  @Test func hybridLayout() throws {
    let layout = try CgroupLayout.parse(
      mountinfo: Fixtures.hybridMountinfo, procCgroup: Fixtures.hybridCgroup, procCgroups: Fixtures.procCgroups,
      readControllers: { dir in
        #expect(dir == "/sys/fs/cgroup/unified")
        return ["hugetlb"]
      })
    #expect(layout.mode == .hybrid)
    #expect(layout.v1.count == 9)
    #expect(layout.unified?.mountPoint == "/sys/fs/cgroup/unified")
    #expect(layout.hierarchy(for: "memory")?.ownDirectory == "/sys/fs/cgroup/memory/process_api/0bc6")
    #expect(layout.hierarchy(for: "hugetlb")?.version == .v2)
    #expect(layout.hierarchy(for: "rdma") == nil)
    #expect(layout.v1.first { $0.name == "systemd" }?.controllers.isEmpty == true)
    let managed = CgroupManager(layout: layout).managedHierarchies.map(\.mountPoint)
    #expect(
      managed == [
        "/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpuset",
        "/sys/fs/cgroup/memory", "/sys/fs/cgroup/devices", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/pids",
      ])
    let path = try CgroupPath("garrison/p/c")
    #expect(try layout.hierarchy(for: "memory")!.directory(for: path) == "/sys/fs/cgroup/memory/process_api/0bc6/garrison/p/c")
    #expect(try layout.hierarchy(for: "memory")!.directory(for: CgroupPath("/g")) == "/sys/fs/cgroup/memory/g")
    #expect(try layout.hierarchy(for: "pids")!.directory(for: path) == "/sys/fs/cgroup/pids/garrison/p/c")
  }

  @Test func unifiedLayout() throws {
    let layout = try CgroupLayout.parse(
      mountinfo: Fixtures.unifiedMountinfo, procCgroup: Fixtures.unifiedCgroup, procCgroups: Fixtures.procCgroups,
      readControllers: { _ in ["cpu", "memory", "pids", "io"] })
    #expect(layout.mode == .unified && layout.v1.isEmpty)
    #expect(layout.unified?.ownDirectory == "/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope")
    #expect(layout.hierarchy(for: "memory")?.version == .v2)
    #expect(layout.hierarchy(for: "cpuset") == nil)
  }

  @Test func legacyLayoutWithCoMountedAndBindMountedHierarchies() throws {
    let layout = try CgroupLayout.parse(
      mountinfo: Fixtures.legacyMountinfo, procCgroup: Fixtures.legacyCgroup, procCgroups: Fixtures.procCgroups,
      readControllers: { _ in [] })
    #expect(layout.mode == .legacy && layout.unified == nil)
    let cpu = try #require(layout.hierarchy(for: "cpuacct"))
    #expect(cpu.controllers == ["cpu", "cpuacct"] && cpu.ownDirectory == "/sys/fs/cgroup/cpu,cpuacct/docker/abc")
    // The first memory mount (root /) wins over the bind mount of /docker/abc.
    #expect(layout.hierarchy(for: "memory")?.ownDirectory == "/sys/fs/cgroup/memory/docker/abc")
  }

  @Test func noCgroupsIsUnenforceable() {
    let error = #expect(throws: GarrisonError.self) {
      try CgroupLayout.parse(
        mountinfo: "24 1 0:22 / /proc rw - proc proc rw\n", procCgroup: "0::/\n", procCgroups: Fixtures.procCgroups,
        readControllers: { _ in [] })
    }
    #expect(error?.code == .unenforceable)
  }
}
