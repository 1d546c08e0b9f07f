import GarrisonCore

/// Writes `CgroupLimits` into a freshly created cgroup's control files, choosing v1 or v2 file
/// names and units per controller. Returns the limits whose file is missing (e.g. swap accounting
/// off) so the caller can fail closed or record them.
struct LimitWriter {
  let cgroup: Cgroup
  let limits: CgroupLimits

  /// The OCI fields of `limits` that `controller` enforces.
  static func fields(of limits: CgroupLimits, controller: String) -> [String] {
    let r = "linux.resources."
    var out: [String] = []
    switch controller {
    case "memory":
      if limits.memoryLimitBytes != nil { out.append(r + "memory.limit") }
      if limits.memorySwapBytes != nil { out.append(r + "memory.swap") }
    case "cpu":
      if limits.cpuShares != nil { out.append(r + "cpu.shares") }
      if limits.cpuWeight != nil { out.append(r + "unified.cpu.weight") }
      if limits.cpuQuota != nil { out.append(r + "cpu.quota") }
      if limits.cpuPeriod != nil { out.append(r + "cpu.period") }
    case "pids":
      if limits.pidsLimit != nil { out.append(r + "pids.limit") }
    case "cpuset":
      if limits.cpusetCpus != nil { out.append(r + "cpu.cpus") }
      if limits.cpusetMems != nil { out.append(r + "cpu.mems") }
    default: break
    }
    return out
  }

  func apply() throws -> [SkippedLimit] {
    var missing: [SkippedLimit] = []
    if let dir = cgroup.directory(for: "cpuset") { try cpuset(dir) }
    if let dir = cgroup.directory(for: "memory") { try memory(dir, missing: &missing) }
    if let dir = cgroup.directory(for: "cpu") { try cpu(dir) }
    if let dir = cgroup.directory(for: "pids"), let p = limits.pidsLimit {
      try CgroupFS.write(dir.path + "/pids.max", p == -1 ? "max" : String(p))
    }
    return missing
  }

  private func cpuset(_ dir: CgroupDirectory) throws {
    if let cpus = limits.cpusetCpus { try CgroupFS.write(dir.path + "/cpuset.cpus", cpus) }
    if let mems = limits.cpusetMems { try CgroupFS.write(dir.path + "/cpuset.mems", mems) }
  }

  private func memory(_ dir: CgroupDirectory, missing: inout [SkippedLimit]) throws {
    let v2 = dir.hierarchy.version == .v2
    if let m = limits.memoryLimitBytes {
      try CgroupFS.write(dir.path + (v2 ? "/memory.max" : "/memory.limit_in_bytes"), m == -1 ? (v2 ? "max" : "-1") : String(m))
    }
    guard let swap = limits.memorySwapBytes else { return }
    let file = dir.path + (v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes")
    guard CgroupFS.exists(file) else {
      missing.append(
        SkippedLimit(
          field: "linux.resources.memory.swap", controller: "memory",
          reason: "\(CgroupFS.baseName(file)) does not exist (swap accounting is off)"))
      return
    }
    if v2 {
      guard let value = ResourceConversions.swapMax(memorySwap: swap, memory: limits.memoryLimitBytes) else {
        throw GarrisonError(
          .invalid, operation: "convert memory.swap", "memory+swap \(swap) needs a finite memory limit",
          field: FieldPath("linux.resources.memory.swap"))
      }
      try CgroupFS.write(file, value)
    } else {
      try CgroupFS.write(file, String(swap))
    }
  }

  private func cpu(_ dir: CgroupDirectory) throws {
    if dir.hierarchy.version == .v2 {
      if let weight = limits.cpuWeight ?? limits.cpuShares.map(ResourceConversions.cpuWeight(fromShares:)) {
        try CgroupFS.write(dir.path + "/cpu.weight", String(weight))
      }
      if limits.cpuQuota != nil || limits.cpuPeriod != nil {
        let quota = limits.cpuQuota.map { $0 == -1 ? "max" : String($0) } ?? "max"
        let period = limits.cpuPeriod ?? ResourceConversions.defaultCPUPeriod
        try CgroupFS.write(dir.path + "/cpu.max", "\(quota) \(period)")
      }
    } else {
      if let shares = limits.cpuShares ?? limits.cpuWeight.map(ResourceConversions.cpuShares(fromWeight:)) {
        try CgroupFS.write(dir.path + "/cpu.shares", String(shares))
      }
      // Period first: the kernel checks the quota against the period in force.
      if let period = limits.cpuPeriod { try CgroupFS.write(dir.path + "/cpu.cfs_period_us", String(period)) }
      if let quota = limits.cpuQuota { try CgroupFS.write(dir.path + "/cpu.cfs_quota_us", String(quota)) }
    }
  }
}
