import GarrisonCgroups
import GarrisonCore
import GarrisonInitProtocol
import GarrisonOCI

/// Maps `linux.resources` onto GarrisonCgroups' `CgroupLimits` and device rules. Every field garrison-oci
/// cannot apply is refused (`.unenforceable`, naming the field), never ignored.
public enum OCIResourceLimits {
  static let field = FieldPath("linux.resources")

  /// The limits of `resources` (memory, swap, reservation, kernelTCP, swappiness, disableOOMKiller, cpu
  /// shares/quota/period, cpuset, pids, huge pages, block IO, `unified` cpu.weight); throws for network, rdma,
  /// other unified keys, a `memory.kernel` that `memory.limit` does not hold, and the memory and cpu knobs
  /// GarrisonCgroups does not write.
  public static func limits(_ r: RuntimeSpec.Resources?) throws -> CgroupLimits {
    guard let r else { return .none }
    func refuse(_ path: FieldPath, _ what: String) -> GarrisonError {
      GarrisonError(
        .unenforceable, operation: "apply linux.resources",
        "\(what) is not supported by garrison-oci's cgroup manager", field: path)
    }
    for (name, value) in [("network", r.network), ("rdma", r.rdma)] {
      if let value, !value.isEmpty { throw refuse(field / name, "linux.resources.\(name)") }
    }
    var limits = CgroupLimits()
    if let h = r.hugepageLimits, !h.isEmpty { limits.hugepageLimits = try hugepageLimits(h) }
    if let b = r.blockIO, !b.isEmpty { limits.blockIO = try blockIO(b) }
    if let m = r.memory {
      let f = field / "memory"
      if m.checkBeforeUpdate == true { throw refuse(f / "checkBeforeUpdate", "memory.checkBeforeUpdate") }
      _ = try kernelMemoryHeldByLimit(m)
      limits.memoryLimitBytes = unsetIfZero(m.limit)
      limits.memorySwapBytes = unsetIfZero(m.swap)
      limits.memoryReservationBytes = unsetIfZero(m.reservation)
      // Written where cgroup v1 has the file (as runc); elsewhere a missing file, refused by the manager.
      limits.memoryKernelTCPBytes = unsetIfZero(m.kernelTCP)
      limits.memorySwappiness = m.swappiness == UInt64.max ? nil : m.swappiness  // runc: -1 means unset
      limits.memoryDisableOOMKiller = m.disableOOMKiller == true ? true : nil
    }
    if let c = r.cpu {
      let f = field / "cpu"
      for (name, set) in [
        ("realtimeRuntime", c.realtimeRuntime != nil), ("realtimePeriod", c.realtimePeriod != nil),
        ("idle", c.idle != nil && c.idle != 0), ("burst", c.burst != nil),
      ] where set {
        throw refuse(f / name, "cpu.\(name)")
      }
      limits.cpuShares = c.shares == 0 ? nil : c.shares
      limits.cpuQuota = unsetIfZero(c.quota)
      limits.cpuPeriod = c.period == 0 ? nil : c.period
      limits.cpusetCpus = c.cpus
      limits.cpusetMems = c.mems
    }
    if let p = r.pids { limits.pidsLimit = p.limit <= 0 ? -1 : p.limit }  // runc: 0 or -1 means unlimited
    for (key, value) in (r.unified ?? [:]).sorted(by: { $0.key < $1.key }) {
      guard key == "cpu.weight", let weight = UInt64(value) else {
        throw refuse(field / "unified" / key, "unified key \(key)")
      }
      limits.cpuWeight = weight
    }
    return limits
  }

  /// `resources` split in two: what `launch` writes before garrison-init sets the container up, and the CPU
  /// scheduling share and bandwidth (`cpu.shares`, `cpu.quota`, `cpu.period`, unified `cpu.weight`), which it
  /// writes once the init reports `ready`, before `create` returns. Those two are no confinement: they weigh the
  /// cgroup against its siblings and cap its CPU time. Written before the set-up, a BestEffort pod's `cpu.shares`
  /// of 2 left garrison-init's own mounts, pivot_root and credential calls waiting behind every runnable task on
  /// a busy node, for seconds (bench/oci RESULTS.md); runc likewise writes the limits (`manager.Set`) only when its
  /// init reports mid-set-up. The container's own code never runs without them: the init waits for `start` after
  /// `ready`, and everything else (memory, pids, cpuset, devices, …) is written before the set-up as before. A value
  /// the cgroups cannot take is still refused, the container killed and removed (`update`'s checks). A container
  /// with OCI hooks gets every limit before its set-up, as before: its hooks run during it.
  public static func deferringCPUScheduling(_ r: RuntimeSpec.Resources?)
    -> (beforeSetUp: RuntimeSpec.Resources?, atReady: RuntimeSpec.Resources?)
  {
    guard var now = r else { return (nil, nil) }
    var later = RuntimeSpec.Resources()
    if var c = now.cpu, c.shares != nil || c.quota != nil || c.period != nil {
      later.cpu = RuntimeSpec.CPU(shares: c.shares, quota: c.quota, period: c.period)
      (c.shares, c.quota, c.period) = (nil, nil, nil)
      now.cpu = c
    }
    if let weight = now.unified?["cpu.weight"] {
      later.unified = ["cpu.weight": weight]
      now.unified?["cpu.weight"] = nil
    }
    return (now, later.cpu == nil && later.unified == nil ? nil : later)
  }

  /// A `memory.kernel` ceiling that garrison-oci does not write because `memory.limit` already holds it.
  public struct HeldKernelMemory: Sendable, Equatable {
    /// The requested kernel memory ceiling in bytes (-1: unlimited).
    public var kernel: Int64
    /// The container's memory limit in bytes, which kernel memory is charged to (nil: none).
    public var limit: Int64?
  }

  /// `linux.resources.memory.kernel` (deprecated in runtime-spec, ignored by runc 1.1 with a warning): Linux
  /// no longer has a separate kernel-memory ceiling (cgroup v2 never had one; on v1 since Linux 6.1
  /// `memory.kmem.limit_in_bytes` accepts a write and keeps "unlimited"), but it charges kernel memory to the
  /// cgroup's memory counter, which `memory.limit` bounds. So a ceiling no lower than `memory.limit` (or -1) is
  /// held and returned for the caller to record; a lower one, or one without a finite `memory.limit`, cannot be
  /// held and is refused (`.unenforceable`), since a restriction is never dropped silently. nil when unset (0
  /// is containerd's "unset", as for the other memory fields).
  public static func kernelMemoryHeldByLimit(_ m: RuntimeSpec.Memory?) throws -> HeldKernelMemory? {
    guard let kernel = unsetIfZero(m?.kernel) else { return nil }
    let limit = unsetIfZero(m?.limit).flatMap { $0 > 0 ? $0 : nil }
    if kernel == -1 || (limit.map { kernel >= $0 } ?? false) { return HeldKernelMemory(kernel: kernel, limit: limit) }
    let why = limit.map { "it is below memory.limit \($0)" } ?? "there is no finite memory.limit"
    throw GarrisonError(
      .unenforceable, operation: "apply linux.resources",
      "memory.kernel \(kernel) cannot be held: Linux has no separate kernel-memory limit any more and charges kernel "
        + "memory to memory.limit, but \(why); set memory.kernel to at least memory.limit, or leave it out",
      field: field / "memory" / "kernel")
  }

  /// `hugepageLimits`: `[{"pageSize": "2MB", "limit": bytes}]`.
  static func hugepageLimits(_ value: JSONValue) throws -> [CgroupLimits.HugepageLimit] {
    let f = field / "hugepageLimits"
    guard case .array(let items) = value else { throw GarrisonError(.invalid, "must be a list", field: f) }
    return try items.enumerated().map { i, item in
      guard case .object(let o) = item, case .string(let size)? = o["pageSize"] else {
        throw GarrisonError(.invalid, "pageSize (a string such as 2MB) is required", field: f / i / "pageSize")
      }
      return CgroupLimits.HugepageLimit(pageSize: size, limit: try unsigned(o["limit"], f / i / "limit", required: true)!)
    }
  }

  /// `blockIO`: weight, leafWeight, weightDevice and the four throttle lists.
  static func blockIO(_ value: JSONValue) throws -> CgroupLimits.BlockIOLimits {
    let f = field / "blockIO"
    guard case .object(let o) = value else { throw GarrisonError(.invalid, "must be an object", field: f) }
    let known = Set(["weight", "leafWeight", "weightDevice"])
      .union(CgroupLimits.BlockIOLimits.ThrottleDevice.Kind.allCases.map(\.rawValue))
    for key in o.keys.sorted() where !known.contains(key) {
      throw GarrisonError(.unenforceable, "blockIO.\(key) is not supported by garrison-oci's cgroup manager", field: f / key)
    }
    func weight(_ v: JSONValue?, _ p: FieldPath) throws -> UInt16? {
      guard let n = try unsigned(v, p, required: false) else { return nil }
      guard n <= UInt64(UInt16.max) else { throw GarrisonError(.invalid, "weight \(n) is out of range", field: p) }
      return UInt16(n)
    }
    func devices(_ key: String) throws -> [(Int, [String: JSONValue], Int64, Int64)] {
      guard let v = o[key], !v.isEmpty else { return [] }
      guard case .array(let items) = v else { throw GarrisonError(.invalid, "must be a list", field: f / key) }
      return try items.enumerated().map { i, item in
        guard case .object(let d) = item else { throw GarrisonError(.invalid, "must be an object", field: f / key / i) }
        let major = try unsigned(d["major"], f / key / i / "major", required: true)!
        let minor = try unsigned(d["minor"], f / key / i / "minor", required: true)!
        return (i, d, Int64(major), Int64(minor))
      }
    }
    var b = CgroupLimits.BlockIOLimits(
      weight: try weight(o["weight"], f / "weight"),
      leafWeight: try weight(o["leafWeight"], f / "leafWeight"))
    for (i, d, major, minor) in try devices("weightDevice") {
      b.weightDevices.append(
        .init(
          major: major, minor: minor, weight: try weight(d["weight"], f / "weightDevice" / i / "weight"),
          leafWeight: try weight(d["leafWeight"], f / "weightDevice" / i / "leafWeight")))
    }
    for kind in CgroupLimits.BlockIOLimits.ThrottleDevice.Kind.allCases {
      for (i, d, major, minor) in try devices(kind.rawValue) {
        let rate = try unsigned(d["rate"], f / kind.rawValue / i / "rate", required: true)!
        b.throttle.append(.init(kind: kind, major: major, minor: minor, rate: rate))
      }
    }
    return b
  }

  /// A non-negative integer of a JSON value (an integer, or an integral double below 2^53).
  static func unsigned(_ v: JSONValue?, _ p: FieldPath, required: Bool) throws -> UInt64? {
    guard let v, v != .null else {
      if required { throw GarrisonError(.invalid, "is required", field: p) }
      return nil
    }
    switch v {
    case .int(let i) where i >= 0: return UInt64(i)
    case .double(let n) where n >= 0 && n < 9_007_199_254_740_992 && n.rounded() == n: return UInt64(n)
    default: throw GarrisonError(.invalid, "must be a non-negative integer", field: p)
    }
  }

  /// runc leaves a cgroup file alone when its value is 0 (containerd and podman write zeros for "unset").
  static func unsetIfZero(_ v: Int64?) -> Int64? { v == 0 ? nil : v }

  /// The validated device rules of `resources.devices`.
  public static func deviceRules(_ r: RuntimeSpec.Resources?) throws -> [DeviceRule] {
    try (r?.devices ?? []).enumerated().map { i, d in
      try DeviceRule(
        allow: d.allow, type: d.type, major: d.major, minor: d.minor, access: d.access,
        field: field / "devices" / i)
    }
  }

  /// A canonical text of `linux.resources.devices` (one `allow|deny type major:minor access` line per rule, in
  /// order; `*` for a wildcard), to tell whether an update's rules are the ones in force.
  public static func deviceRulesText(_ devices: [RuntimeSpec.DeviceCgroup]?) -> String {
    (devices ?? []).map { d in
      "\(d.allow ? "allow" : "deny") \(d.type ?? "a") \(d.major.map(String.init) ?? "*"):\(d.minor.map(String.init) ?? "*") "
        + (d.access ?? "rwm")
    }.joined(separator: "\n")
  }

  /// `resources` with an allow rule appended for every character or block node of `linux.devices`, as
  /// runc does, so the devices a config lists work under its deny-all rule.
  public static func withDeviceNodes(_ r: RuntimeSpec.Resources?, _ nodes: [InitSpec.Device]) -> RuntimeSpec.Resources? {
    var allows: [RuntimeSpec.DeviceCgroup] = []
    for node in nodes {
      switch node.type & 0o170000 {
      case 0o020000: allows.append(.init(allow: true, type: "c", major: Int64(node.major), minor: Int64(node.minor), access: "rwm"))
      case 0o060000: allows.append(.init(allow: true, type: "b", major: Int64(node.major), minor: Int64(node.minor), access: "rwm"))
      default: continue  // FIFOs are not device-cgroup controlled
      }
    }
    if allows.isEmpty { return r }
    var out = r ?? RuntimeSpec.Resources()
    out.devices = (out.devices ?? []) + allows
    return out
  }
}
