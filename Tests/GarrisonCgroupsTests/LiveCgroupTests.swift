#if canImport(Glibc)
  import Glibc
#endif
import Foundation
import GarrisonCore
import Testing

@testable import GarrisonCgroups

/// Creating cgroups needs root (write access to cgroupfs); without it these tests are skipped
/// with this reason rather than passing silently.
let isRoot = getuid() == 0

/// Real cgroups on this host, each under a unique `garrison-test-<random>` tree that a `defer`
/// removes (killing anything left inside by pid) even when an expectation fails.
@Suite(.serialized, .enabled(if: isRoot, "needs root to create cgroups in /sys/fs/cgroup"))
struct LiveCgroupTests {
  let manager: CgroupManager
  let root = "garrison-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

  init() throws { manager = try CgroupManager.detect() }

  func cleanup() {
    do { try manager.removeTree(path: root) } catch { Issue.record("cleanup of \(root) failed: \(error)") }
  }

  func read(_ dir: CgroupDirectory?, _ file: String) throws -> String {
    try CgroupFS.readValue(try #require(dir).path + "/" + file)
  }

  static func spawn(_ path: String, _ args: [String], stdin: Pipe? = nil) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let stdin { p.standardInput = stdin }
    try p.run()
    return p
  }

  /// The file system type of `path` as `stat -f` reports it (`cgroup2fs`, `tmpfs`).
  static func fsType(_ path: String) throws -> String {
    let out = Pipe()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
    p.arguments = ["-f", "-c", "%T", path]
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The layout matches what statfs (via `stat -f`) says about /sys/fs/cgroup (an independent check).
  @Test func detectsHostMode() throws {
    let expected: CgroupMode
    if try Self.fsType("/sys/fs/cgroup") == "cgroup2fs" {
      expected = .unified
    } else if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified"),
      try Self.fsType("/sys/fs/cgroup/unified") == "cgroup2fs"
    {
      expected = .hybrid
    } else {
      expected = .legacy
    }
    #expect(manager.layout.mode == expected)
    if expected != .unified { #expect(manager.layout.hierarchy(for: "memory")?.version == .v1) }
    let mine = try CgroupManager.currentCgroupPaths(of: getpid())
    #expect(mine == (try CgroupMembership.readSelf()))
    #expect(mine.contains { $0.isUnified } == (manager.layout.unified != nil))
  }

  @Test func createLimitsMembershipKillRemove() throws {
    defer { cleanup() }
    let memsw =
      manager.layout.hierarchy(for: "memory")?.version == .v1
      && CgroupFS.exists(manager.layout.hierarchy(for: "memory")!.ownDirectory + "/memory.memsw.limit_in_bytes")
    let limits = CgroupLimits(
      memoryLimitBytes: 128 << 20, memorySwapBytes: memsw ? 256 << 20 : nil, cpuShares: 512, cpuQuota: 50_000,
      cpuPeriod: 100_000, pidsLimit: 64, cpusetCpus: "0")
    let cgroup = try manager.create(path: root + "/pod/ctr", limits: limits)
    #expect(cgroup.skipped.isEmpty)
    #expect(cgroup.directories.count == manager.managedHierarchies.count)
    for dir in cgroup.directories { #expect(CgroupFS.exists(dir.path), "missing \(dir.path)") }

    // Values read back from the files.
    let mem = cgroup.directory(for: "memory"), cpu = cgroup.directory(for: "cpu")
    if mem?.hierarchy.version == .v1 {
      #expect(try read(mem, "memory.limit_in_bytes") == "134217728")
      if memsw { #expect(try read(mem, "memory.memsw.limit_in_bytes") == "268435456") }
      #expect(try read(cpu, "cpu.shares") == "512")
      #expect(try read(cpu, "cpu.cfs_quota_us") == "50000")
      #expect(try read(cpu, "cpu.cfs_period_us") == "100000")
    } else {
      #expect(try read(mem, "memory.max") == "134217728")
      #expect(try read(cpu, "cpu.weight") == "20")
      #expect(try read(cpu, "cpu.max") == "50000 100000")
    }
    #expect(try read(cgroup.directory(for: "pids"), "pids.max") == "64")
    #expect(try read(cgroup.directory(for: "cpuset"), "cpuset.cpus") == "0")
    #expect(try read(cgroup.directory(for: "cpuset"), "cpuset.mems") != "")

    // A child process joins every hierarchy.
    let sleeper = try Self.spawn("/bin/sleep", ["30"])
    let pid = sleeper.processIdentifier
    do {
      try cgroup.addProcess(pid)
    } catch {
      kill(pid, SIGKILL)
      throw error
    }
    #expect(try cgroup.pids() == [pid])
    for dir in cgroup.directories {
      #expect(try Cgroup.procs(dir.path) == [pid], "cgroup.procs of \(dir.path)")
    }
    let memberships = try CgroupManager.currentCgroupPaths(of: pid)
    for dir in cgroup.directories {
      let h = dir.hierarchy
      let line = memberships.first { $0.hierarchyID == h.hierarchyID && ($0.isUnified == (h.version == .v2)) }
      let expected = (h.ownPath == "/" ? "" : h.ownPath) + "/" + root + "/pod/ctr"
      #expect(line?.path == expected, "/proc/\(pid)/cgroup for \(h.mountPoint)")
    }
    let stats = try cgroup.stats()
    #expect(stats.processCount == 1 && stats.pidsCurrent == 1 && stats.pidsLimit == 64)
    #expect(stats.memoryLimitBytes == 128 << 20 && stats.oomKillCount == 0)
    // v1 does not move charges with a process, so a fresh cgroup may show 0; it must be readable.
    #expect(try cgroup.memoryUsage() <= 128 << 20)
    #expect(stats.memoryUsageBytes != nil && stats.cpuUsageMicroseconds != nil && stats.cpuThrottledPeriods != nil)

    try cgroup.killAll()
    sleeper.waitUntilExit()
    #expect(sleeper.terminationReason == .uncaughtSignal && sleeper.terminationStatus == SIGKILL)
    #expect(try cgroup.pids().isEmpty)

    try cgroup.remove()
    for dir in cgroup.directories { #expect(!CgroupFS.exists(dir.path), "\(dir.path) still exists") }
    try manager.removeTree(path: root)
    for h in manager.managedHierarchies {
      #expect(!CgroupFS.exists(h.ownDirectory + "/" + root), "\(root) left in \(h.mountPoint)")
    }
  }

  @Test func oomKillIsCounted() throws {
    defer { cleanup() }
    let cgroup = try manager.create(path: root + "/oom", limits: CgroupLimits(memoryLimitBytes: 16 << 20))
    let go = Pipe()
    // Waits for a line on stdin (so it is in the cgroup first), then buffers 100 MiB without a newline.
    let child = try Self.spawn("/bin/sh", ["-c", "read line; head -c 100M /dev/zero | tail > /dev/null"], stdin: go)
    do { try cgroup.addProcess(child.processIdentifier) } catch {
      kill(child.processIdentifier, SIGKILL)
      throw error
    }
    try go.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
    try go.fileHandleForWriting.close()
    child.waitUntilExit()
    #expect(child.terminationStatus != 0)
    #expect(try cgroup.oomKillCount() > 0)
    let stats = try cgroup.stats()
    #expect(stats.oomKillCount ?? 0 > 0)
    // The child was charged up to the limit before it was killed.
    #expect(stats.memoryPeakBytes ?? 0 >= 8 << 20, "peak \(String(describing: stats.memoryPeakBytes))")
  }

  @Test func killAllReachesForkedChildren() throws {
    defer { cleanup() }
    let cgroup = try manager.create(path: root + "/fork", limits: .none)
    let go = Pipe()
    let shell = try Self.spawn("/bin/sh", ["-c", "read line; sleep 30 & sleep 30 & wait"], stdin: go)
    do { try cgroup.addProcess(shell.processIdentifier) } catch {
      kill(shell.processIdentifier, SIGKILL)
      throw error
    }
    try go.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(5))
    while try cgroup.pids().count < 3 && clock.now < deadline { usleep(10_000) }
    #expect(try cgroup.pids().count == 3)
    try cgroup.killAll()
    shell.waitUntilExit()
    #expect(try cgroup.pids().isEmpty)
    try cgroup.remove()
    #expect(cgroup.directories.allSatisfy { !CgroupFS.exists($0.path) })
  }

  /// Without `cgroup.kill` (v1 hierarchies only) killAll signals each pid through a pidfd,
  /// re-reading cgroup.procs until it is empty.
  @Test func killAllBySignallingEachPid() throws {
    defer { cleanup() }
    let full = try manager.create(path: root + "/bypid", limits: .none)
    var cgroup = full
    cgroup.directories = full.directories.filter { $0.hierarchy.version == .v1 }
    try #require(!cgroup.directories.isEmpty, "needs v1 hierarchies (this host is \(manager.layout.mode))")
    let go = Pipe()
    let shell = try Self.spawn("/bin/sh", ["-c", "read line; sleep 30 & sleep 30 & sleep 30 & wait"], stdin: go)
    do { try cgroup.addProcess(shell.processIdentifier) } catch {
      kill(shell.processIdentifier, SIGKILL)
      throw error
    }
    try go.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(5))
    while try cgroup.pids().count < 4 && clock.now < deadline { usleep(10_000) }
    #expect(try cgroup.pids().count == 4)
    try cgroup.killAll()
    shell.waitUntilExit()
    #expect(shell.terminationStatus == SIGKILL)
    #expect(try full.pids().isEmpty)
    try full.remove()
  }

  @Test func freezeAndThaw() throws {
    defer { cleanup() }
    let cgroup = try manager.create(path: root + "/freeze", limits: .none)
    let sleeper = try Self.spawn("/bin/sleep", ["30"])
    do { try cgroup.addProcess(sleeper.processIdentifier) } catch {
      kill(sleeper.processIdentifier, SIGKILL)
      throw error
    }
    try cgroup.freeze()
    let state = try String(contentsOfFile: "/proc/\(sleeper.processIdentifier)/stat", encoding: .utf8)
    if let f = cgroup.directory(for: "freezer"), f.hierarchy.version == .v1 {
      #expect(try read(f, "freezer.state") == "FROZEN")
    }
    #expect(state.contains(") D ") || state.contains(") S ") || state.contains(") t "), "\(state)")
    try cgroup.thaw()
    // Removing a cgroup with a live process kills it first.
    try cgroup.remove()
    sleeper.waitUntilExit()
    #expect(sleeper.terminationStatus == SIGKILL)
    #expect(cgroup.directories.allSatisfy { !CgroupFS.exists($0.path) })
  }

  @Test func writeErrorNamesFileAndValueAndRollsBack() throws {
    defer { cleanup() }
    // CPU 4095 does not exist on this machine, so the kernel rejects the cpuset.
    let error = #expect(throws: GarrisonError.self) {
      try manager.create(path: root + "/bad", limits: CgroupLimits(cpusetCpus: "4095"))
    }
    // The kernel says ERANGE beyond nr_cpu_ids, EINVAL for an offline CPU below it.
    #expect(error?.message.hasPrefix("write cpuset.cpus = 4095: E") == true, "\(String(describing: error))")
    #expect(error?.errno == ERANGE || error?.errno == EINVAL)
    for h in manager.managedHierarchies {
      #expect(!CgroupFS.exists(h.ownDirectory + "/" + root), "rollback left \(root) in \(h.mountPoint)")
    }
  }

  @Test func existingLeafIsRefused() throws {
    defer { cleanup() }
    _ = try manager.create(path: root + "/dup", limits: .none)
    let error = #expect(throws: GarrisonError.self) { try manager.create(path: root + "/dup", limits: .none) }
    #expect(error?.code == .exists)
  }
}
