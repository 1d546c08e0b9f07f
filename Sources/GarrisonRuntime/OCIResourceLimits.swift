import GarrisonCgroups
import GarrisonCore
import GarrisonInitProtocol
import GarrisonOCI

/// Maps `linux.resources` onto GarrisonCgroups' `CgroupLimits` and device rules. Every field garrison-oci
/// cannot apply is refused (`.unenforceable`, naming the field), never ignored.
public enum OCIResourceLimits {
  static let field = FieldPath("linux.resources")

  /// The limits of `resources` (memory, swap, cpu shares/quota/period, cpuset, pids, `unified`
  /// cpu.weight); throws for block IO, huge pages, network, rdma, other unified keys and the memory
  /// and cpu knobs GarrisonCgroups does not write.
  public static func limits(_ r: RuntimeSpec.Resources?) throws -> CgroupLimits {
    guard let r else { return .none }
    func refuse(_ path: FieldPath, _ what: String) -> GarrisonError {
      GarrisonError(.unenforceable, operation: "apply linux.resources",
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
      for (name, set) in [("kernel", m.kernel != nil),
                          ("kernelTCP", m.kernelTCP != nil), ("swappiness", m.swappiness != nil),
                          ("disableOOMKiller", m.disableOOMKiller == true),
                          ("checkBeforeUpdate", m.checkBeforeUpdate == true)] where set {
        throw refuse(f / name, "memory.\(name)")
      }
      limits.memoryLimitBytes = unsetIfZero(m.limit)
      limits.memorySwapBytes = unsetIfZero(m.swap)
      limits.memoryReservationBytes = unsetIfZero(m.reservation)
    }
    if let c = r.cpu {
      let f = field / "cpu"
      for (name, set) in [("realtimeRuntime", c.realtimeRuntime != nil), ("realtimePeriod", c.realtimePeriod != nil),
                          ("idle", c.idle != nil && c.idle != 0), ("burst", c.burst != nil)] where set {
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
    var b = CgroupLimits.BlockIOLimits(weight: try weight(o["weight"], f / "weight"),
                                       leafWeight: try weight(o["leafWeight"], f / "leafWeight"))
    for (i, d, major, minor) in try devices("weightDevice") {
      b.weightDevices.append(.init(major: major, minor: minor, weight: try weight(d["weight"], f / "weightDevice" / i / "weight"),
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
      try DeviceRule(allow: d.allow, type: d.type, major: d.major, minor: d.minor, access: d.access,
                     field: field / "devices" / i)
    }
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
