import GarrisonManifest
import GarrisonPlan

/// Requests and limits → cgroup values, as the kubelet computes them for containerd.
enum ResourceRules {
  static let cpuPeriod: UInt64 = 100_000
  static let minShares: UInt64 = 2
  static let minQuota: Int64 = 1000

  /// kubelet `MilliCPUToShares`.
  static func shares(milliCPU: Int64) -> UInt64 {
    if milliCPU <= 0 { return minShares }
    return max(minShares, UInt64(milliCPU) * 1024 / 1000)
  }

  /// runc/crun conversion of cgroup v1 shares to cgroup v2 weight.
  static func weight(shares: UInt64) -> UInt64 { 1 + ((shares - 2) * 9999) / 262_142 }

  /// kubelet `MilliCPUToQuota`.
  static func quota(milliCPU: Int64) -> Int64 {
    max(minQuota, milliCPU * Int64(cpuPeriod) / 1000)
  }

  /// Requests default to limits (API defaulting).
  static func effectiveRequests(_ r: ResourceRequirements) -> [String: Quantity] {
    var req = r.requests
    for (k, v) in r.limits where req[k] == nil { req[k] = v }
    return req
  }

  /// The pod's QoS class from every app and init container.
  static func qosClass(_ spec: PodSpec) -> String {
    let all = spec.initContainers + spec.containers
    var anySet = false
    var guaranteed = true
    for c in all {
      let req = effectiveRequests(c.resources)
      for r in ["cpu", "memory"] {
        if req[r] != nil || c.resources.limits[r] != nil { anySet = true }
        guard let l = c.resources.limits[r], let q = req[r], l == q else { guaranteed = false; continue }
      }
    }
    if !anySet { return "BestEffort" }
    return guaranteed ? "Guaranteed" : "Burstable"
  }

  static func plan(_ c: Container, spec: PodSpec, pidsLimit: Int64?) -> ResourcePlan {
    let req = effectiveRequests(c.resources)
    let cpuReq = req["cpu"]?.milliValue
    let cpuLim = c.resources.limits["cpu"]?.milliValue
    let shares = shares(milliCPU: cpuReq ?? 0)
    return ResourcePlan(
      qosClass: qosClass(spec), cpuRequestMillis: cpuReq, cpuLimitMillis: cpuLim, cpuShares: shares,
      cpuWeight: weight(shares: shares), cpuQuota: cpuLim.map(quota(milliCPU:)), cpuPeriod: cpuLim == nil ? nil : cpuPeriod,
      memoryRequestBytes: req["memory"]?.value, memoryLimitBytes: c.resources.limits["memory"]?.value,
      pidsLimit: pidsLimit)
  }
}
