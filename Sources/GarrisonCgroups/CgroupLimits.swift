import GarrisonCore

/// The resource limits Garrison puts on a pod or container cgroup. A `nil` field is left alone
/// (the cgroup inherits its parent's limit); values use the OCI runtime-spec meaning so a
/// `linux.resources` object maps onto this type field by field:
///
/// | field               | OCI `linux.resources` | cgroup v1 file                 | cgroup v2 file      |
/// |---------------------|-----------------------|--------------------------------|---------------------|
/// | `memoryLimitBytes`  | `memory.limit`        | `memory.limit_in_bytes`        | `memory.max`        |
/// | `memorySwapBytes`   | `memory.swap`         | `memory.memsw.limit_in_bytes`  | `memory.swap.max` (= swap − limit) |
/// | `cpuShares`         | `cpu.shares`          | `cpu.shares`                   | `cpu.weight` (converted) |
/// | `cpuWeight`         | (unified `cpu.weight`)| `cpu.shares` (converted back)  | `cpu.weight`        |
/// | `cpuQuota`          | `cpu.quota`           | `cpu.cfs_quota_us`             | `cpu.max` (first field) |
/// | `cpuPeriod`         | `cpu.period`          | `cpu.cfs_period_us`            | `cpu.max` (second field) |
/// | `pidsLimit`         | `pids.limit`          | `pids.max`                     | `pids.max`          |
/// | `cpusetCpus`        | `cpu.cpus`            | `cpuset.cpus`                  | `cpuset.cpus`       |
/// | `cpusetMems`        | `cpu.mems`            | `cpuset.mems`                  | `cpuset.mems`       |
/// | `memoryReservationBytes` | `memory.reservation` | `memory.soft_limit_in_bytes` | `memory.low`      |
/// | `memoryKernelTCPBytes` | `memory.kernelTCP`  | `memory.kmem.tcp.limit_in_bytes` | (none: missing) |
/// | `memorySwappiness`  | `memory.swappiness`   | `memory.swappiness`            | (none: missing)     |
/// | `memoryDisableOOMKiller` | `memory.disableOOMKiller` | `memory.oom_control` (1) | (none: missing) |
/// | `hugepageLimits`    | `hugepageLimits`      | `hugetlb.<size>.limit_in_bytes` (and `.rsvd.` when present) | `hugetlb.<size>.max` |
/// | `blockIO`           | `blockIO`             | `blkio.weight` (or `blkio.bfq.weight`), `blkio.leaf_weight`, `blkio.weight_device`, `blkio.throttle.*_device` | `io.weight` (or `io.bfq.weight`), `io.max` |
///
/// `-1` means "unlimited" for memory, swap, quota and pids, as in the OCI spec.
public struct CgroupLimits: Sendable, Hashable, Codable {
  /// Memory limit in bytes (> 0), or -1 for unlimited.
  public var memoryLimitBytes: Int64?
  /// Memory plus swap limit in bytes (the OCI and cgroup v1 meaning, not swap alone), or -1 for
  /// unlimited swap. Must be ≥ `memoryLimitBytes`.
  public var memorySwapBytes: Int64?
  /// Relative CPU weight in cgroup v1 units, 2...262144.
  public var cpuShares: UInt64?
  /// Relative CPU weight in cgroup v2 units, 1...10000. Wins over `cpuShares` when both are set.
  public var cpuWeight: UInt64?
  /// CPU time in microseconds the cgroup may use per `cpuPeriod` (≥ 1000), or -1 for unlimited.
  public var cpuQuota: Int64?
  /// The CFS period in microseconds, 1000...1000000 (100000 when only a quota is given).
  public var cpuPeriod: UInt64?
  /// Maximum number of tasks (> 0), or -1 for unlimited.
  public var pidsLimit: Int64?
  /// CPUs the cgroup may run on, in the kernel list format (`0-1,3`).
  public var cpusetCpus: String?
  /// Memory nodes the cgroup may allocate from, in the kernel list format (`0`).
  public var cpusetMems: String?
  /// Soft memory limit in bytes (> 0), or -1 for none: reclaimed down to under memory pressure (v2: the
  /// protection below which it is not reclaimed, `memory.low`, as runc and crun map it).
  public var memoryReservationBytes: Int64?
  /// Limit on the kernel's TCP buffer memory in bytes (> 0), or -1 for unlimited. cgroup v1 only: v2 has no
  /// separate TCP limit (socket memory is charged to `memory.max`), so there it is a missing file.
  public var memoryKernelTCPBytes: Int64?
  /// How eagerly the kernel swaps the cgroup's anonymous memory, 0...100. cgroup v1 only.
  public var memorySwappiness: UInt64?
  /// `true`: processes over the memory limit wait for memory instead of being OOM-killed. cgroup v1 only.
  public var memoryDisableOOMKiller: Bool?
  /// Huge page limits, one per page size.
  public var hugepageLimits: [HugepageLimit]?
  /// Block I/O weight and throttling.
  public var blockIO: BlockIOLimits?

  /// A limit on one huge page size (`linux.resources.hugepageLimits[]`).
  public struct HugepageLimit: Sendable, Hashable, Codable {
    /// The kernel's name of the size: `2MB`, `1GB`, `64KB`.
    public var pageSize: String
    /// Bytes of huge pages of that size the cgroup may use.
    public var limit: UInt64
    public init(pageSize: String, limit: UInt64) {
      self.pageSize = pageSize
      self.limit = limit
    }
  }

  /// `linux.resources.blockIO`.
  public struct BlockIOLimits: Sendable, Hashable, Codable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevices: [WeightDevice]
    public var throttle: [ThrottleDevice]
    public init(
      weight: UInt16? = nil, leafWeight: UInt16? = nil, weightDevices: [WeightDevice] = [],
      throttle: [ThrottleDevice] = []
    ) {
      self.weight = weight
      self.leafWeight = leafWeight
      self.weightDevices = weightDevices
      self.throttle = throttle
    }
    /// A per-device weight (`weightDevice[]`).
    public struct WeightDevice: Sendable, Hashable, Codable {
      public var major: Int64, minor: Int64
      public var weight: UInt16?, leafWeight: UInt16?
      public init(major: Int64, minor: Int64, weight: UInt16?, leafWeight: UInt16?) {
        self.major = major
        self.minor = minor
        self.weight = weight
        self.leafWeight = leafWeight
      }
    }
    /// A per-device rate limit (`throttleReadBpsDevice[]` and the other three).
    public struct ThrottleDevice: Sendable, Hashable, Codable {
      public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case readBps = "throttleReadBpsDevice", writeBps = "throttleWriteBpsDevice"
        case readIOPS = "throttleReadIOPSDevice", writeIOPS = "throttleWriteIOPSDevice"
        /// The cgroup v1 file.
        public var v1File: String {
          switch self {
          case .readBps: "blkio.throttle.read_bps_device"
          case .writeBps: "blkio.throttle.write_bps_device"
          case .readIOPS: "blkio.throttle.read_iops_device"
          case .writeIOPS: "blkio.throttle.write_iops_device"
          }
        }
        /// The key in the cgroup v2 `io.max` line.
        public var v2Key: String {
          switch self {
          case .readBps: "rbps"
          case .writeBps: "wbps"
          case .readIOPS: "riops"
          case .writeIOPS: "wiops"
          }
        }
      }
      public var kind: Kind
      public var major: Int64, minor: Int64
      public var rate: UInt64
      public init(kind: Kind, major: Int64, minor: Int64, rate: UInt64) {
        self.kind = kind
        self.major = major
        self.minor = minor
        self.rate = rate
      }
    }
  }

  public init(
    memoryLimitBytes: Int64? = nil, memorySwapBytes: Int64? = nil, cpuShares: UInt64? = nil,
    cpuWeight: UInt64? = nil, cpuQuota: Int64? = nil, cpuPeriod: UInt64? = nil, pidsLimit: Int64? = nil,
    cpusetCpus: String? = nil, cpusetMems: String? = nil
  ) {
    self.memoryLimitBytes = memoryLimitBytes
    self.memorySwapBytes = memorySwapBytes
    self.cpuShares = cpuShares
    self.cpuWeight = cpuWeight
    self.cpuQuota = cpuQuota
    self.cpuPeriod = cpuPeriod
    self.pidsLimit = pidsLimit
    self.cpusetCpus = cpusetCpus
    self.cpusetMems = cpusetMems
  }

  /// No limits at all (the cgroup is only used for tracking and killing processes).
  public static let none = CgroupLimits()

  /// Whether any CPU bandwidth or weight setting is present.
  var usesCPU: Bool { cpuShares != nil || cpuWeight != nil || cpuQuota != nil || cpuPeriod != nil }
  /// Whether any memory setting is present.
  var usesMemory: Bool {
    memoryLimitBytes != nil || memorySwapBytes != nil || memoryReservationBytes != nil || memoryKernelTCPBytes != nil
      || memorySwappiness != nil || memoryDisableOOMKiller != nil
  }
  /// Whether any cpuset setting is present.
  var usesCpuset: Bool { cpusetCpus != nil || cpusetMems != nil }

  /// The controllers these limits need, by cgroup controller name.
  var requiredControllers: [String] {
    var names: [String] = []
    if usesCPU { names.append("cpu") }
    if usesCpuset { names.append("cpuset") }
    if usesMemory { names.append("memory") }
    if pidsLimit != nil { names.append("pids") }
    if !(hugepageLimits ?? []).isEmpty { names.append("hugetlb") }
    if blockIO != nil { names.append("blkio") }  // "io" on cgroup v2 (`CgroupLayout.hierarchy(forLimit:)`)
    return names
  }

  /// Rejects impossible values with `.invalid` errors naming the OCI field.
  public func validate() throws {
    func bad(_ field: String, _ message: String) -> GarrisonError {
      GarrisonError(.invalid, operation: "validate cgroup limits", message, field: FieldPath("linux.resources." + field))
    }
    if let m = memoryLimitBytes, m != -1, m <= 0 {
      throw bad("memory.limit", "memory limit must be positive or -1 (unlimited), got \(m)")
    }
    if let s = memorySwapBytes {
      if s != -1, s <= 0 { throw bad("memory.swap", "memory+swap limit must be positive or -1 (unlimited), got \(s)") }
      if s != -1 {
        guard let m = memoryLimitBytes, m != -1 else {
          throw bad("memory.swap", "memory+swap limit \(s) needs a finite memory limit")
        }
        if s < m { throw bad("memory.swap", "memory+swap limit \(s) is below the memory limit \(m)") }
      }
    }
    if let shares = cpuShares, !(2...262_144).contains(shares) {
      throw bad("cpu.shares", "cpu shares must be in 2...262144, got \(shares)")
    }
    if let weight = cpuWeight, !(1...10_000).contains(weight) {
      throw bad("unified.cpu.weight", "cpu weight must be in 1...10000, got \(weight)")
    }
    if let q = cpuQuota, q != -1, q < 1000 {
      throw bad("cpu.quota", "cpu quota must be at least 1000 µs or -1 (unlimited), got \(q)")
    }
    if let p = cpuPeriod, !(1000...1_000_000).contains(p) {
      throw bad("cpu.period", "cpu period must be in 1000...1000000 µs, got \(p)")
    }
    if let r = memoryReservationBytes, r != -1, r <= 0 {
      throw bad("memory.reservation", "memory reservation must be positive or -1 (none), got \(r)")
    }
    if let t = memoryKernelTCPBytes, t != -1, t <= 0 {
      throw bad("memory.kernelTCP", "kernel TCP memory limit must be positive or -1 (unlimited), got \(t)")
    }
    if let s = memorySwappiness, s > 100 {
      throw bad("memory.swappiness", "swappiness must be in 0...100, got \(s)")
    }
    for (i, h) in (hugepageLimits ?? []).enumerated() {
      let ok =
        h.pageSize.count >= 3 && (h.pageSize.hasSuffix("KB") || h.pageSize.hasSuffix("MB") || h.pageSize.hasSuffix("GB"))
        && h.pageSize.dropLast(2).allSatisfy(\.isNumber)
      if !ok { throw bad("hugepageLimits[\(i)].pageSize", "page size must look like 2MB, got \"\(h.pageSize)\"") }
    }
    if let b = blockIO {
      for (name, w) in [("weight", b.weight), ("leafWeight", b.leafWeight)] {
        if let w, !(10...1000).contains(w) { throw bad("blockIO.\(name)", "block I/O weight must be in 10...1000, got \(w)") }
      }
    }
    if let p = pidsLimit, p != -1, p <= 0 {
      throw bad("pids.limit", "pids limit must be positive or -1 (unlimited), got \(p)")
    }
    for (field, list) in [("cpu.cpus", cpusetCpus), ("cpu.mems", cpusetMems)] {
      guard let list else { continue }
      let allowed = Set("0123456789,-")
      if list.isEmpty || !list.allSatisfy({ allowed.contains($0) }) {
        throw bad(field, "cpuset list must look like 0-3,5, got \"\(list)\"")
      }
    }
  }
}
