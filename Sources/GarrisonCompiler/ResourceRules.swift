import GarrisonManifest
import GarrisonPlan

/// Requests and limits → cgroup values, as the kubelet computes them for containerd.
enum ResourceRules {
  static let cpuPeriod: UInt64 = 100_000
  static let minShares: UInt64 = 2
  static let maxShares: UInt64 = 262_144
  static let minQuota: Int64 = 1000

  /// `a * b / 1000`, saturating at `Int64.max` where the product overflows (kubelet's Go arithmetic would wrap).
  static func scaledPerMille(_ a: Int64, _ b: Int64) -> Int64 {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? Int64.max : product / 1000
  }

  /// kubelet `MilliCPUToShares`: `milliCPU * 1024 / 1000` clamped to [2, 262144] (the kernel's bounds).
  static func shares(milliCPU: Int64) -> UInt64 {
    if milliCPU <= 0 { return minShares }
    return min(max(minShares, UInt64(scaledPerMille(milliCPU, 1024))), maxShares)
  }

  /// runc/crun conversion of cgroup v1 shares to cgroup v2 weight (shares clamped to [2, 262144] first).
  static func weight(shares: UInt64) -> UInt64 { 1 + ((min(max(shares, minShares), maxShares) - 2) * 9999) / 262_142 }

  /// kubelet `MilliCPUToQuota`: `milliCPU * period / 1000`, at least 1000 µs; a zero limit sets no quota.
  static func quota(milliCPU: Int64) -> Int64? {
    if milliCPU <= 0 { return nil }
    return max(minQuota, scaledPerMille(milliCPU, Int64(cpuPeriod)))
  }

  /// Requests default to limits (API defaulting).
  static func effectiveRequests(_ r: ResourceRequirements) -> [String: Quantity] {
    var req = r.requests
    for (k, v) in r.limits where req[k] == nil { req[k] = v }
    return req
  }

  static func plan(_ c: Container, spec: PodSpec, pidsLimit: Int64?) -> ResourcePlan {
    let req = effectiveRequests(c.resources)
    let cpuReq = req["cpu"]?.milliValue
    let cpuLim = c.resources.limits["cpu"]?.milliValue
    let shares = shares(milliCPU: cpuReq ?? 0)
    let quota = cpuLim.flatMap(quota(milliCPU:))
    return ResourcePlan(
      qosClass: QoSClass.of(spec), cpuRequestMillis: cpuReq, cpuLimitMillis: cpuLim, cpuShares: shares,
      cpuWeight: weight(shares: shares), cpuQuota: quota, cpuPeriod: quota == nil ? nil : cpuPeriod,
      memoryRequestBytes: req["memory"]?.value, memoryLimitBytes: c.resources.limits["memory"]?.value,
      pidsLimit: pidsLimit)
  }
}
