/// Pure conversions between Kubernetes resource quantities, cgroup v1 and cgroup v2 units, done
/// the way kubelet, containerd, runc and crun do them so Garrison's cgroups match theirs.
public enum ResourceConversions {
  /// The smallest and largest cgroup v1 `cpu.shares` values.
  public static let minShares: UInt64 = 2
  public static let maxShares: UInt64 = 262_144
  /// The CFS period kubelet uses for CPU limits, in microseconds.
  public static let defaultCPUPeriod: UInt64 = 100_000
  /// The smallest CFS quota the kernel accepts, in microseconds.
  public static let minCPUQuota: Int64 = 1000

  /// cgroup v1 shares → cgroup v2 weight: `1 + ((shares - 2) * 9999) / 262142`, mapping
  /// 2...262144 onto 1...10000 (the formula of runc and crun). Out-of-range shares are clamped first.
  public static func cpuWeight(fromShares shares: UInt64) -> UInt64 {
    let s = min(max(shares, minShares), maxShares)
    return 1 + ((s - 2) * 9999) / 262_142
  }

  /// cgroup v2 weight → cgroup v1 shares, the inverse mapping `2 + ((weight - 1) * 262142) / 9999`
  /// (used when a v2 weight must be applied on a v1 host). Out-of-range weights are clamped first.
  public static func cpuShares(fromWeight weight: UInt64) -> UInt64 {
    let w = min(max(weight, 1), 10_000)
    return 2 + ((w - 1) * 262_142) / 9999
  }

  /// A Kubernetes CPU request in millicores → cgroup v1 shares, as kubelet's `MilliCPUToShares`:
  /// `max(2, millicores * 1024 / 1000)`, capped at 262144. No request (0) gives the minimum, 2.
  public static func cpuShares(fromMilliCPU milli: Int64) -> UInt64 {
    if milli <= 0 { return minShares }
    let (product, overflow) = UInt64(milli).multipliedReportingOverflow(by: 1024)
    let shares = overflow ? maxShares : product / 1000
    return min(max(shares, minShares), maxShares)
  }

  /// A Kubernetes CPU limit in millicores → CFS quota for `period` µs, as kubelet's
  /// `MilliCPUToQuota`: `millicores * period / 1000`, at least 1000 µs. No limit (0 or less) gives
  /// `nil` (leave the quota unset). A product beyond `Int64` saturates at `Int64.max` (kubelet's Go arithmetic
  /// wraps, which can turn a huge limit into the 1000 µs minimum); the kernel refuses a quota that large.
  public static func cpuQuota(fromMilliCPU milli: Int64, period: UInt64 = defaultCPUPeriod) -> Int64? {
    if milli <= 0 { return nil }
    let (product, overflow) = milli.multipliedReportingOverflow(by: Int64(clamping: period))
    let quota = overflow ? Int64.max : product / 1000
    return max(quota, minCPUQuota)
  }

  /// A Kubernetes memory limit in bytes → the cgroup memory limit. No limit (0 or less) gives
  /// `nil` (leave the memory limit unset).
  public static func memoryLimit(fromBytes bytes: Int64) -> Int64? {
    bytes > 0 ? bytes : nil
  }

  /// The OCI/v1 memory+swap limit → cgroup v2 `memory.swap.max` (swap alone), as runc's
  /// `ConvertMemorySwapToCgroupV2Value`: `"max"` when swap is unlimited, otherwise
  /// `memorySwap - memory` (0 when they are equal: no swap).
  public static func swapMax(memorySwap: Int64, memory: Int64?) -> String? {
    if memorySwap == -1 { return "max" }
    guard let memory, memory > 0 else { return nil }
    return String(memorySwap - memory)
  }

  /// Limits for one container from its Kubernetes resources, as kubelet passes them through CRI:
  /// shares from the CPU request, quota/period from the CPU limit, and the memory limit.
  public static func limits(
    cpuRequestMilli: Int64?, cpuLimitMilli: Int64?, memoryLimitBytes: Int64?, pidsLimit: Int64? = nil
  ) -> CgroupLimits {
    var limits = CgroupLimits()
    // kubelet sets shares from the request, or from the limit when only a limit is given.
    if let request = cpuRequestMilli ?? cpuLimitMilli { limits.cpuShares = cpuShares(fromMilliCPU: request) }
    if let limit = cpuLimitMilli, let quota = cpuQuota(fromMilliCPU: limit) {
      limits.cpuQuota = quota
      limits.cpuPeriod = defaultCPUPeriod
    }
    if let bytes = memoryLimitBytes { limits.memoryLimitBytes = memoryLimit(fromBytes: bytes) }
    limits.pidsLimit = pidsLimit
    return limits
  }
}
