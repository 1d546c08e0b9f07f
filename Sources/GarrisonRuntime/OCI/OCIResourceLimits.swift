import GarrisonCgroups
import GarrisonCore
import GarrisonInit
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
    for (name, value) in [("blockIO", r.blockIO), ("hugepageLimits", r.hugepageLimits), ("network", r.network),
                          ("rdma", r.rdma)] {
      if let value, !value.isEmpty { throw refuse(field / name, "linux.resources.\(name)") }
    }
    var limits = CgroupLimits()
    if let m = r.memory {
      let f = field / "memory"
      for (name, set) in [("reservation", m.reservation != nil), ("kernel", m.kernel != nil),
                          ("kernelTCP", m.kernelTCP != nil), ("swappiness", m.swappiness != nil),
                          ("disableOOMKiller", m.disableOOMKiller == true),
                          ("checkBeforeUpdate", m.checkBeforeUpdate == true)] where set {
        throw refuse(f / name, "memory.\(name)")
      }
      limits.memoryLimitBytes = unsetIfZero(m.limit)
      limits.memorySwapBytes = unsetIfZero(m.swap)
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
