import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// containerd's capability rules, and the execve(2) rules for what the process keeps afterwards.
enum CapabilityRules {
  /// containerd CRI order: `add: ALL` → every capability; `drop: ALL` → none; then each added name;
  /// then each dropped name (so a drop beats an add of the same name). Names with or without `CAP_`.
  static func resolve(privileged: Bool, capabilities: Capabilities?, path: FieldPath) throws -> CapabilitySet {
    if privileged { return CapabilitySet(Capability.all) }
    let add = capabilities?.add ?? []
    let drop = capabilities?.drop ?? []
    var caps = Set(Capability.containerdDefault)
    if add.contains(where: { $0.uppercased() == "ALL" }) { caps = Set(Capability.all) }
    if drop.contains(where: { $0.uppercased() == "ALL" }) { caps = [] }
    for (i, name) in add.enumerated() where name.uppercased() != "ALL" {
      caps.insert(try parse(name, path / "add" / i))
    }
    for (i, name) in drop.enumerated() where name.uppercased() != "ALL" {
      caps.remove(try parse(name, path / "drop" / i))
    }
    return CapabilitySet(caps)
  }

  static func parse(_ name: String, _ path: FieldPath) throws -> Capability {
    guard let c = Capability(name: name) else {
      throw GarrisonError(.invalid, "unknown capability \"\(name)\"", field: path)
    }
    return c
  }

  /// The sets the runtime installs (containerd: bounding = permitted = effective; inheritable and ambient empty,
  /// CVE-2022-29162).
  static func installed(_ caps: CapabilitySet) -> CapabilityPlan {
    CapabilityPlan(bounding: caps, permitted: caps, effective: caps, inheritable: .empty, ambient: .empty)
  }

  /// capabilities(7) across execve of a binary without file capabilities or setuid bits:
  /// uid 0 gets P' = (P(inh) | P(bnd)), E' = P'; any other uid keeps only the ambient set.
  static func afterExec(_ installed: CapabilityPlan, uid: UInt32) -> CapabilityPlan {
    if uid == 0 {
      let permitted = CapabilitySet(installed.inheritable.members + installed.bounding.members)
      return CapabilityPlan(
        bounding: installed.bounding, permitted: permitted, effective: permitted,
        inheritable: installed.inheritable, ambient: installed.ambient)
    }
    return CapabilityPlan(
      bounding: installed.bounding, permitted: installed.ambient, effective: installed.ambient,
      inheritable: installed.inheritable, ambient: installed.ambient)
  }
}
