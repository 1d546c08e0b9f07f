import GarrisonCgroups
import GarrisonOCI
import GarrisonRuntime
import Testing

/// `OCIResourceLimits.deferringCPUScheduling`: the CPU share and bandwidth move to `ready`, nothing else does.
struct DeferredCPUTests {
  @Test func sharesQuotaPeriodAndWeightMoveEverythingElseStays() throws {
    var cpu = RuntimeSpec.CPU(shares: 2, quota: 50_000, period: 100_000)
    cpu.cpus = "0"
    var r = RuntimeSpec.Resources(
      devices: [.init(allow: false, access: "rwm")], memory: .init(limit: 1 << 26), cpu: cpu, pids: .init(limit: 10))
    r.unified = ["cpu.weight": "100"]
    let (now, later) = OCIResourceLimits.deferringCPUScheduling(r)
    let early = try OCIResourceLimits.limits(now)
    #expect(early.cpuShares == nil && early.cpuQuota == nil && early.cpuPeriod == nil && early.cpuWeight == nil)
    #expect(early.cpusetCpus == "0" && early.memoryLimitBytes == 1 << 26 && early.pidsLimit == 10)
    #expect(now?.devices == r.devices)
    #expect(later?.devices == nil && later?.memory == nil && later?.pids == nil)
    let late = try OCIResourceLimits.limits(later)
    #expect(late.cpuShares == 2 && late.cpuQuota == 50_000 && late.cpuPeriod == 100_000 && late.cpuWeight == 100)
    #expect(late.cpusetCpus == nil)
  }

  @Test func nothingToDeferGivesNil() {
    let r = RuntimeSpec.Resources(memory: .init(limit: 1 << 26), pids: .init(limit: 10))
    let (now, later) = OCIResourceLimits.deferringCPUScheduling(r)
    #expect(now == r)
    #expect(later == nil)
    #expect(OCIResourceLimits.deferringCPUScheduling(nil).atReady == nil)
  }

  /// A field the runtime refuses (realtime) stays with the limits written first, so it is refused before the init
  /// sets anything up.
  @Test func refusedCPUFieldsAreRefusedBeforeSetUp() {
    var cpu = RuntimeSpec.CPU(shares: 512)
    cpu.realtimeRuntime = 1000
    let (now, _) = OCIResourceLimits.deferringCPUScheduling(RuntimeSpec.Resources(cpu: cpu))
    #expect(throws: (any Error).self) { try OCIResourceLimits.limits(now) }
  }
}
