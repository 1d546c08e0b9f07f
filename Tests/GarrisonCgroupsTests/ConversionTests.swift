import GarrisonCore
import Testing

@testable import GarrisonCgroups

@Suite struct ConversionTests {
  @Test(arguments: [
    (UInt64(2), UInt64(1)), (1024, 39), (512, 20), (262_144, 10_000), (0, 1), (1, 1), (300_000, 10_000), (100, 4),
  ])
  func sharesToWeight(shares: UInt64, weight: UInt64) {
    #expect(ResourceConversions.cpuWeight(fromShares: shares) == weight)
  }

  @Test(arguments: [(UInt64(1), UInt64(2)), (10_000, 262_144), (39, 998), (100, 2597)])
  func weightToShares(weight: UInt64, shares: UInt64) {
    #expect(ResourceConversions.cpuShares(fromWeight: weight) == shares)
  }

  /// kubelet `MilliCPUToShares`: max(2, m*1024/1000), capped at 262144.
  @Test(
    arguments: [
      (Int64(0), UInt64(2)), (1, 2), (2, 2), (100, 102), (250, 256), (500, 512), (1000, 1024), (2500, 2560),
      (1_000_000, 262_144), (Int64.max, 262_144), (Int64.max / 1000, 262_144),
    ] as [(Int64, UInt64)])
  func milliCPUToShares(milli: Int64, shares: UInt64) {
    #expect(ResourceConversions.cpuShares(fromMilliCPU: milli) == shares)
  }

  /// kubelet `MilliCPUToQuota`: m*period/1000, at least 1000 µs; no limit gives no quota.
  @Test(
    arguments: [
      (Int64(0), Int64?.none), (1, 1000), (5, 1000), (10, 1000), (100, 10_000), (250, 25_000), (1000, 100_000),
      (1500, 150_000), (Int64.max / 100_000, Int64.max / 100_000 * 100_000 / 1000),
      // Beyond Int64 the product saturates (issue 13: it trapped; kubelet's Go arithmetic wraps).
      (Int64.max / 100_000 + 1, Int64.max), (Int64.max, Int64.max),
    ] as [(Int64, Int64?)])
  func milliCPUToQuota(milli: Int64, quota: Int64?) {
    #expect(ResourceConversions.cpuQuota(fromMilliCPU: milli) == quota)
  }

  @Test func quotaWithCustomPeriod() {
    #expect(ResourceConversions.cpuQuota(fromMilliCPU: 500, period: 50_000) == 25_000)
  }

  @Test(arguments: [(Int64(0), Int64?.none), (-1, nil), (134_217_728, 134_217_728)])
  func memoryLimit(bytes: Int64, limit: Int64?) {
    #expect(ResourceConversions.memoryLimit(fromBytes: bytes) == limit)
  }

  @Test(
    arguments: [
      (Int64(-1), Int64?(100), "max"), (200, 100, "100"), (100, 100, "0"), (200, nil, nil), (200, -1, nil),
    ] as [(Int64, Int64?, String?)])
  func swapMax(memorySwap: Int64, memory: Int64?, expected: String?) {
    #expect(ResourceConversions.swapMax(memorySwap: memorySwap, memory: memory) == expected)
  }

  @Test func kubernetesContainerLimits() {
    let l = ResourceConversions.limits(cpuRequestMilli: 250, cpuLimitMilli: 500, memoryLimitBytes: 64 << 20)
    #expect(l == CgroupLimits(memoryLimitBytes: 64 << 20, cpuShares: 256, cpuQuota: 50_000, cpuPeriod: 100_000))
    let onlyLimit = ResourceConversions.limits(cpuRequestMilli: nil, cpuLimitMilli: 2000, memoryLimitBytes: 0)
    #expect(onlyLimit == CgroupLimits(cpuShares: 2048, cpuQuota: 200_000, cpuPeriod: 100_000))
    let none = ResourceConversions.limits(cpuRequestMilli: nil, cpuLimitMilli: nil, memoryLimitBytes: nil)
    #expect(none == .none)
  }

  @Test(arguments: [
    (CgroupLimits(memoryLimitBytes: 0), "linux.resources.memory.limit"),
    (CgroupLimits(memoryLimitBytes: -5), "linux.resources.memory.limit"),
    (CgroupLimits(memoryLimitBytes: 100, memorySwapBytes: 50), "linux.resources.memory.swap"),
    (CgroupLimits(memorySwapBytes: 50), "linux.resources.memory.swap"),
    (CgroupLimits(cpuShares: 1), "linux.resources.cpu.shares"),
    (CgroupLimits(cpuWeight: 10_001), "linux.resources.unified.cpu.weight"),
    (CgroupLimits(cpuQuota: 999), "linux.resources.cpu.quota"),
    (CgroupLimits(cpuPeriod: 10), "linux.resources.cpu.period"),
    (CgroupLimits(pidsLimit: 0), "linux.resources.pids.limit"),
    (CgroupLimits(cpusetCpus: "0;rm"), "linux.resources.cpu.cpus"),
  ])
  func invalidLimits(limits: CgroupLimits, field: String) {
    let error = #expect(throws: GarrisonError.self) { try limits.validate() }
    #expect(error?.code == .invalid)
    #expect(error?.fieldPath?.description == field)
  }

  @Test func validLimits() throws {
    try CgroupLimits(
      memoryLimitBytes: 1 << 30, memorySwapBytes: -1, cpuShares: 2, cpuQuota: -1, cpuPeriod: 1000, pidsLimit: -1,
      cpusetCpus: "0-1", cpusetMems: "0"
    ).validate()
  }

  @Test(arguments: ["", "/", "a//b", "../x", "a/../b", "a/./b", "a/"])
  func invalidPaths(path: String) {
    #expect(throws: GarrisonError.self) { try CgroupPath(path) }
  }

  @Test func paths() throws {
    let p = try CgroupPath("garrison/pod/ctr")
    #expect(!p.isAbsolute && p.components == ["garrison", "pod", "ctr"] && p.description == "garrison/pod/ctr")
    let a = try CgroupPath("/garrison/pod")
    #expect(a.isAbsolute && a.description == "/garrison/pod")
  }
}
