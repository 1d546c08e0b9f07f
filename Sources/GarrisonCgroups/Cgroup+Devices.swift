import GarrisonCore

/// How a cgroup's device rules are enforced on this host.
public enum DeviceEnforcement: String, Sendable, Hashable, Codable {
  /// Written to the v1 devices controller's `devices.deny` / `devices.allow`.
  case v1DevicesController = "v1-devices"
  /// A BPF_PROG_TYPE_CGROUP_DEVICE program attached to the unified (v2) directory.
  case v2DeviceProgram = "v2-bpf"
}

extension Cgroup {
  /// Enforces `rules` (in order, last match wins) followed by ``DeviceRule/defaultAllowed``, starting
  /// from "deny every device" as runc does (so an empty list leaves only the defaults).
  ///
  /// With a v1 devices hierarchy the rules go to `devices.deny`/`devices.allow` of this cgroup's
  /// directory there (it must be a managed hierarchy, see `CgroupManager.managedV1Controllers`);
  /// otherwise an eBPF device program is attached to the unified directory. A host with neither
  /// throws `.unenforceable`; nothing is ever reported enforced that is not.
  @discardableResult
  public func applyDeviceRules(_ rules: [DeviceRule]) throws -> DeviceEnforcement {
    let all = rules + DeviceRule.defaultAllowed
    if let h = layout.hierarchy(for: "devices"), h.version == .v1 {
      guard let dir = directories.first(where: { $0.hierarchy.mountPoint == h.mountPoint }) else {
        throw GarrisonError(
          .unenforceable, operation: "apply device rules",
          "cgroup \(path) has no directory in the v1 devices hierarchy \(h.mountPoint)",
          field: FieldPath("linux.resources.devices"))
      }
      for (i, rule) in rules.enumerated() where rule.kind == .all && rule.access != "rwm" {
        throw GarrisonError(
          .unenforceable, operation: "apply device rules",
          "a type-a rule limited to \"\(rule.access)\" has no cgroup v1 form (v1 \"a\" means every access)",
          field: FieldPath("linux.resources.devices") / i / "access")
      }
      try CgroupFS.write(dir.path + "/devices.deny", "a")
      for rule in all {
        try CgroupFS.write(dir.path + (rule.allow ? "/devices.allow" : "/devices.deny"), rule.v1Line)
      }
      return .v1DevicesController
    }
    guard let unified = unifiedDirectory else {
      throw GarrisonError(
        .unenforceable, operation: "apply device rules",
        "neither a v1 devices hierarchy nor a cgroup2 mount: device rules cannot be enforced",
        field: FieldPath("linux.resources.devices"))
    }
    try DeviceProgram(rules: all).attach(to: unified.path)
    return .v2DeviceProgram
  }
}
