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
      if limits.memoryReservationBytes != nil { out.append(r + "memory.reservation") }
      if limits.memoryKernelTCPBytes != nil { out.append(r + "memory.kernelTCP") }
      if limits.memorySwappiness != nil { out.append(r + "memory.swappiness") }
      if limits.memoryDisableOOMKiller != nil { out.append(r + "memory.disableOOMKiller") }
    case "hugetlb":
      if !(limits.hugepageLimits ?? []).isEmpty { out.append(r + "hugepageLimits") }
    case "blkio":
      if limits.blockIO != nil { out.append(r + "blockIO") }
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
    if let dir = cgroup.directory(for: "hugetlb") { try hugetlb(dir, missing: &missing) }
    if let b = limits.blockIO, let dir = cgroup.directory(for: "blkio") ?? cgroup.directory(for: "io") {
      try blockIO(b, dir, missing: &missing)
    }
    return missing
  }

  /// `hugetlb.<size>.limit_in_bytes` (v1; and `.rsvd.limit_in_bytes` where the kernel has it, as runc) or
  /// `hugetlb.<size>.max` (v2). A size the kernel does not offer is a missing file.
  private func hugetlb(_ dir: CgroupDirectory, missing: inout [SkippedLimit]) throws {
    let v2 = dir.hierarchy.version == .v2
    for (i, h) in (limits.hugepageLimits ?? []).enumerated() {
      let file = dir.path + "/hugetlb.\(h.pageSize)" + (v2 ? ".max" : ".limit_in_bytes")
      guard CgroupFS.exists(file) else {
        missing.append(
          SkippedLimit(
            field: "linux.resources.hugepageLimits[\(i)]", controller: "hugetlb",
            reason: "\(CgroupFS.baseName(file)) does not exist (no \(h.pageSize) huge pages here)"))
        continue
      }
      try CgroupFS.write(file, String(h.limit))
      let rsvd = dir.path + "/hugetlb.\(h.pageSize).rsvd" + (v2 ? ".max" : ".limit_in_bytes")
      if CgroupFS.exists(rsvd) { try CgroupFS.write(rsvd, String(h.limit)) }
    }
  }

  /// Block I/O: weights (`blkio.weight` or, with BFQ, `blkio.bfq.weight`; v2 `io.weight`/`io.bfq.weight`) and
  /// throttling (`blkio.throttle.*_device`; v2 `io.max`). A weight file the kernel lacks (no proportional I/O
  /// scheduler) is a missing file, as is any other.
  private func blockIO(_ b: CgroupLimits.BlockIOLimits, _ dir: CgroupDirectory, missing: inout [SkippedLimit]) throws {
    let v2 = dir.hierarchy.version == .v2
    let f = "linux.resources.blockIO"
    func first(_ names: [String]) -> String? { names.map { dir.path + "/" + $0 }.first(where: CgroupFS.exists) }
    func skip(_ field: String, _ what: String) {
      missing.append(
        SkippedLimit(
          field: field, controller: v2 ? "io" : "blkio",
          reason: "\(what) does not exist (no proportional-weight I/O scheduler here)"))
    }
    let weightFiles = v2 ? ["io.weight", "io.bfq.weight"] : ["blkio.weight", "blkio.bfq.weight"]
    if let w = b.weight {
      if let file = first(weightFiles) {
        try CgroupFS.write(file, v2 && file.hasSuffix("/io.weight") ? "default \(w)" : String(w))
      } else {
        skip(f + ".weight", weightFiles.joined(separator: " or "))
      }
    }
    if let w = b.leafWeight {
      if !v2, let file = first(["blkio.leaf_weight"]) {
        try CgroupFS.write(file, String(w))
      } else {
        skip(f + ".leafWeight", v2 ? "a leaf weight (cgroup v2 has none)" : "blkio.leaf_weight")
      }
    }
    for (i, d) in b.weightDevices.enumerated() {
      if let w = d.weight {
        let names = v2 ? ["io.weight", "io.bfq.weight"] : ["blkio.weight_device", "blkio.bfq.weight_device"]
        if let file = first(names) {
          try CgroupFS.write(file, "\(d.major):\(d.minor) \(w)")
        } else {
          skip(f + ".weightDevice[\(i)]", names.joined(separator: " or "))
        }
      }
      if let w = d.leafWeight {
        if !v2, let file = first(["blkio.leaf_weight_device"]) {
          try CgroupFS.write(file, "\(d.major):\(d.minor) \(w)")
        } else {
          skip(f + ".weightDevice[\(i)].leafWeight", "blkio.leaf_weight_device")
        }
      }
    }
    for t in b.throttle {
      if v2 {
        try CgroupFS.write(dir.path + "/io.max", "\(t.major):\(t.minor) \(t.kind.v2Key)=\(t.rate)")
      } else {
        try CgroupFS.write(dir.path + "/" + t.kind.v1File, "\(t.major):\(t.minor) \(t.rate)")
      }
    }
  }

  private func cpuset(_ dir: CgroupDirectory) throws {
    if let cpus = limits.cpusetCpus { try CgroupFS.write(dir.path + "/cpuset.cpus", cpus) }
    if let mems = limits.cpusetMems { try CgroupFS.write(dir.path + "/cpuset.mems", mems) }
  }

  private func memory(_ dir: CgroupDirectory, missing: inout [SkippedLimit]) throws {
    let v2 = dir.hierarchy.version == .v2
    let memsw = dir.path + "/memory.memsw.limit_in_bytes"
    // v1 keeps memory.limit_in_bytes ≤ memory.memsw.limit_in_bytes at every write (EINVAL otherwise): raising
    // both (an update; containerd sends swap = limit) must write memsw first, as runc's setMemoryAndSwap does.
    var swapWritten = false
    if !v2, let m = limits.memoryLimitBytes, let swap = limits.memorySwapBytes, CgroupFS.exists(memsw) {
      let current = Int64(try CgroupFS.readValue(dir.path + "/memory.limit_in_bytes")) ?? Int64.max
      if swap == -1 || m == -1 || m > current {
        try CgroupFS.write(memsw, String(swap))
        swapWritten = true
      }
    }
    if let m = limits.memoryLimitBytes {
      try CgroupFS.write(dir.path + (v2 ? "/memory.max" : "/memory.limit_in_bytes"), m == -1 ? (v2 ? "max" : "-1") : String(m))
    }
    if let r = limits.memoryReservationBytes {
      // runc and crun: v1 memory.soft_limit_in_bytes, v2 memory.low.
      try CgroupFS.write(dir.path + (v2 ? "/memory.low" : "/memory.soft_limit_in_bytes"), r == -1 ? (v2 ? "0" : "-1") : String(r))
    }
    try memoryV1Only(dir, missing: &missing)
    guard let swap = limits.memorySwapBytes, !swapWritten else { return }
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

  /// `kernelTCP`, `swappiness` and `disableOOMKiller`, which only cgroup v1 has files for (as runc writes them);
  /// on v2, or a v1 kernel without the file, each is a missing file.
  private func memoryV1Only(_ dir: CgroupDirectory, missing: inout [SkippedLimit]) throws {
    let v2 = dir.hierarchy.version == .v2
    let settings: [(field: String, file: String, value: String?)] = [
      ("memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", limits.memoryKernelTCPBytes.map(String.init)),
      ("memory.swappiness", "memory.swappiness", limits.memorySwappiness.map(String.init)),
      ("memory.disableOOMKiller", "memory.oom_control", limits.memoryDisableOOMKiller.map { $0 ? "1" : "0" }),
    ]
    for s in settings {
      guard let value = s.value else { continue }
      let file = dir.path + "/" + s.file
      guard !v2, CgroupFS.exists(file) else {
        missing.append(
          SkippedLimit(
            field: "linux.resources." + s.field, controller: "memory",
            reason: v2 ? "cgroup v2 has no \(s.file)" : "\(s.file) does not exist"))
        continue
      }
      try CgroupFS.write(file, value)
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
