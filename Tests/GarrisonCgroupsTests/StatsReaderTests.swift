import Foundation
import GarrisonCore
import GarrisonKernel
import Testing

@testable import GarrisonCgroups

/// `CgroupStatsReader` over fake hierarchies (plain directories holding control files with the kernel's formats):
/// v1 and v2 files parsed into the same fields, limits cached per cgroup identity and re-read when the cgroup is
/// re-created, a missing cgroup is `.notFound`, and the byte parsers' edge cases.
@Suite struct StatsReaderTests {
  let base = "/var/tmp/garrison-statsreader-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"

  func hierarchy(_ name: String, v2: Bool = false) -> CgroupHierarchy {
    CgroupHierarchy(
      version: v2 ? .v2 : .v1, hierarchyID: v2 ? 0 : 1, mountPoint: base + "/" + name, mountRoot: "/",
      controllers: v2 ? ["cpu", "memory", "pids"] : [name], name: nil, ownPath: "/", ownDirectory: base + "/" + name)
  }

  func write(_ dir: String, _ files: [String: String]) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8) }
  }

  @Test func v1FilesAndTheLimitsCache() throws {
    defer { try? FileManager.default.removeItem(atPath: base) }
    let layout = CgroupLayout(mode: .legacy, v1: ["memory", "cpu", "cpuacct", "pids"].map { hierarchy($0) }, unified: nil)
    let ctr = "/garrison/pod/ctr"
    try write(
      base + "/memory" + ctr,
      [
        "cgroup.procs": "10\n11\n", "tasks": "10\n11\n12\n", "memory.usage_in_bytes": "104857600\n",
        "memory.stat": "cache 1\nrss 2\ntotal_cache 20971520\ntotal_rss 73400320\ntotal_inactive_file 31457280\n",
        "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "memory.failcnt": "7\n",
        "memory.limit_in_bytes": "134217728\n", "memory.max_usage_in_bytes": "120000000\n",
      ])
    try write(
      base + "/cpu" + ctr,
      [
        "cgroup.procs": "", "cpu.stat": "nr_periods 40\nnr_throttled 4\nthrottled_time 5000000\n",
        "cpu.cfs_quota_us": "-1\n", "cpu.cfs_period_us": "100000\n", "cpu.shares": "256\n",
      ])
    try write(base + "/cpuacct" + ctr, ["cpuacct.usage": "2500000000\n"])
    try write(base + "/pids" + ctr, ["pids.current": "3\n", "pids.max": "max\n"])

    let reader = CgroupStatsReader(layout: layout)
    let s = try reader.read(path: ctr)
    #expect(s.processCount == 2 && s.threadCount == 3)
    #expect(s.memoryUsageBytes == 100 << 20 && s.memoryWorkingSetBytes == 70 << 20)
    #expect(s.memoryRSSBytes == 73_400_320 && s.memoryCacheBytes == 20 << 20)
    #expect(s.oomKillCount == 2 && s.memoryFailCount == 7 && s.memoryLimitBytes == 128 << 20 && s.memoryPeakBytes == 120_000_000)
    #expect(s.cpuUsageMicroseconds == 2_500_000 && s.cpuThrottledPeriods == 4 && s.cpuThrottledMicroseconds == 5000)
    #expect(s.cpuQuotaMicroseconds == nil && s.cpuPeriodMicroseconds == 100_000 && s.cpuShares == 256)
    #expect(s.pidsCurrent == 3 && s.pidsLimit == nil)

    // Limits come from the cache while the cgroup is the same one; counters are read every time.
    try write(base + "/memory" + ctr, ["memory.limit_in_bytes": "1\n", "memory.failcnt": "8\n"])
    let again = try reader.read(path: ctr)
    #expect(again.memoryLimitBytes == 128 << 20 && again.memoryFailCount == 8)
    // A re-created cgroup (a new directory inode) is read afresh.
    try FileManager.default.moveItem(atPath: base + "/memory" + ctr, toPath: base + "/memory/old")
    try FileManager.default.copyItem(atPath: base + "/memory/old", toPath: base + "/memory" + ctr)
    #expect(try reader.read(path: ctr).memoryLimitBytes == 1)

    // Gone from every hierarchy: not found.
    let gone = #expect(throws: GarrisonError.self) { try reader.read(path: "/garrison/pod/other") }
    #expect(gone?.code == .notFound)
  }

  @Test func v2Files() throws {
    defer { try? FileManager.default.removeItem(atPath: base) }
    let layout = CgroupLayout(mode: .unified, v1: [], unified: hierarchy("unified", v2: true))
    let ctr = "/garrison/pod/ctr"
    try write(
      base + "/unified" + ctr,
      [
        "cgroup.procs": "5", "cgroup.threads": "5\n6\n", "memory.current": "1000\n",
        "memory.stat": "anon 600\nfile 300\nkernel 10\ninactive_file 1200\n",
        "memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n", "memory.max": "max\n",
        "cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 300\n",
        "cpu.max": "50000 100000\n", "cpu.weight": "100\n", "pids.current": "2\n", "pids.max": "64\n",
      ])
    let reader = CgroupStatsReader(layout: layout)
    reader.includePeak = false
    let s = try reader.read(path: ctr)
    #expect(s.processCount == 1 && s.threadCount == 2)
    #expect(s.memoryUsageBytes == 1000 && s.memoryWorkingSetBytes == 0, "inactive_file above usage floors at zero")
    #expect(s.memoryRSSBytes == 600 && s.memoryCacheBytes == 300 && s.oomKillCount == 1 && s.memoryFailCount == 3)
    #expect(s.memoryLimitBytes == nil && s.memoryPeakBytes == nil)
    #expect(s.cpuUsageMicroseconds == 1500 && s.cpuThrottledPeriods == 2 && s.cpuThrottledMicroseconds == 300)
    #expect(s.cpuQuotaMicroseconds == 50_000 && s.cpuPeriodMicroseconds == 100_000 && s.cpuShares == CgroupStats.shares(weight: 100))
    #expect(s.pidsCurrent == 2 && s.pidsLimit == 64)

    try write(base + "/unified" + ctr, ["memory.stat": "anon x\n"])
    let bad = #expect(throws: GarrisonError.self) { try reader.read(path: ctr) }
    #expect(bad?.code == .syntax)
  }

  @Test func byteParsers() throws {
    func b(_ s: String) -> ArraySlice<UInt8> { ArraySlice(Array(s.utf8)) }
    #expect(CgroupText.lineCount(b("")) == 0 && CgroupText.lineCount(b("1\n2\n")) == 2 && CgroupText.lineCount(b("1\n2")) == 2)
    #expect(CgroupText.number(b("42\n")) == 42 && CgroupText.number(b("")) == nil && CgroupText.number(b("-1\n")) == nil)
    #expect(CgroupText.number(b("18446744073709551615")) == UInt64.max && CgroupText.number(b("18446744073709551616")) == nil)
    #expect(CgroupText.isWord(b("max\n"), "max") && !CgroupText.isWord(b("maxi"), "max"))
    #expect(try CgroupText.keyed(b("a 1\nb 2\n"), ["b", "c", "a"], file: "f") == [2, nil, 1])
    #expect(try CgroupText.keyed(b("ab 1\na 3"), ["a"], file: "f") == [3], "a key is matched whole, the last line needs no newline")
    let unlimited = try #require(CgroupText.quota(b("max 100000\n")))
    #expect(unlimited.quota == nil && unlimited.period == 100_000)
    let half = try #require(CgroupText.quota(b("50000 100000\n")))
    #expect(half.quota == 50_000 && half.period == 100_000)
    #expect(CgroupText.quota(b("50000\n")) == nil)
  }
}
