import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// Per-container hardening: read-only root filesystem, resource limits, added capabilities, probes.
enum ContainerHardening {
  static let readOnlyRootFilesystem = HardeningCheck(id: "hardening.readOnlyRootFilesystem") { pod in
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard c.securityContext?.readOnlyRootFilesystem != true else { return nil }
      return HardeningHit(
        message: Words.concat(
          "container \"", c.name, "\" has a writable root filesystem (securityContext.readOnlyRootFilesystem is not true)"),
        container: c.name, image: c.image, field: path / "securityContext" / "readOnlyRootFilesystem")
    }
  }

  /// Ephemeral containers cannot have resources, so they are not checked.
  static let resourceLimits = HardeningCheck(id: "hardening.resourceLimits") { pod in
    pod.containers.compactMap { e in
      let role = e.role, c = e.container, path = e.path
      guard role != .ephemeral else { return nil }
      let noCPU = c.resources.limits["cpu"] == nil, noMemory = c.resources.limits["memory"] == nil
      guard noCPU || noMemory else { return nil }
      let missing = noCPU && noMemory ? ["cpu", "memory"] : [noCPU ? "cpu" : "memory"]
      return HardeningHit(
        message: Words.concat("container \"", c.name, "\" has no ", missing.joined(separator: " or "), " limit"),
        container: c.name, image: c.image, field: (path / "resources" / "limits"))
    }
  }

  static let addedCapabilities = HardeningCheck(id: "hardening.addedCapabilities") { pod in
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      let added = (c.securityContext?.capabilities?.add ?? []).filter { normalizedCapability($0) != "NET_BIND_SERVICE" }
      guard !added.isEmpty else { return nil }
      return HardeningHit(
        message: "container \"\(c.name)\" adds capabilities \(added.joined(separator: ", "))",
        container: c.name, image: c.image, field: path / "securityContext" / "capabilities" / "add")
    }
  }

  /// Upper case without a `CAP_` prefix, so `cap_net_bind_service` counts as NET_BIND_SERVICE here.
  static func normalizedCapability(_ name: String) -> String {
    let up = name.uppercased()
    return up.hasPrefix("CAP_") ? String(up.dropFirst(4)) : up
  }

  /// Long-running app containers (not Jobs, CronJobs or pods that do not restart) need liveness and
  /// readiness probes.
  static let probes = HardeningCheck(id: "hardening.probes") { pod in
    guard !["Job", "CronJob"].contains(pod.object.kind) else { return [] }
    if pod.object.kind == "Pod", let policy = pod.spec.restartPolicy, policy != "Always" { return [] }
    return pod.containers.compactMap { e in
      let role = e.role, c = e.container, path = e.path
      guard role == .app else { return nil }
      var missing: [String] = []
      if !c.hasLivenessProbe { missing.append("livenessProbe") }
      if !c.hasReadinessProbe { missing.append("readinessProbe") }
      guard !missing.isEmpty else { return nil }
      return HardeningHit(
        message: Words.concat("container \"", c.name, "\" has no ", missing.joined(separator: " or ")), container: c.name,
        image: c.image,
        field: path / missing[0])
    }
  }
}
