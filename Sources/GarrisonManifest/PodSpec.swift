import GarrisonCore
import GarrisonPlan

/// `spec.os`.
public struct PodOS: Equatable, Sendable {
  public var name: String
}

/// A pod's spec: containers, volumes, security context and host namespace switches.
public struct PodSpec: Equatable, Sendable {
  public var containers: [Container] = []
  public var initContainers: [Container] = []
  public var ephemeralContainers: [Container] = []
  public var volumes: [Volume] = []
  public var securityContext: PodSecurityContext?
  public var hostNetwork: Bool?
  public var hostPID: Bool?
  public var hostIPC: Bool?
  /// `false` asks for a user namespace.
  public var hostUsers: Bool?
  public var shareProcessNamespace: Bool?
  public var automountServiceAccountToken: Bool?
  public var os: PodOS?
  /// `Always` (default), `OnFailure`, `Never`.
  public var restartPolicy: String?
  /// A DNS label (Kubernetes' pod validation); the container's UTS hostname.
  public var hostname: String?
  /// A DNS label.
  public var subdomain: String?
  public var serviceAccountName: String?
  public var terminationGracePeriodSeconds: Int64?
  public init() {}

  /// Every container with its role and its field path relative to the pod spec (`containers[0]`, ...).
  public var allContainers: [(role: ContainerRole, container: Container, path: FieldPath)] { allContainers(under: FieldPath()) }

  /// `allContainers` with each path under `base` (the pod spec's own path: absolute paths), each made in one piece.
  public func allContainers(under base: FieldPath) -> [(role: ContainerRole, container: Container, path: FieldPath)] {
    var out: [(role: ContainerRole, container: Container, path: FieldPath)] = []
    out.reserveCapacity(initContainers.count + containers.count + ephemeralContainers.count)
    forEachContainer(under: base) { out.append(($0, $1, $2)) }
    return out
  }

  /// Calls `body` with every container in `allContainers`' order: its role, the container and its path under
  /// `base`, each path made in one piece.
  public func forEachContainer(under base: FieldPath, _ body: (ContainerRole, Container, FieldPath) -> Void) {
    func path(_ field: String, _ i: Int) -> FieldPath {
      var steps: [FieldPath.Step] = []
      steps.reserveCapacity(base.steps.count + 2)
      steps.append(contentsOf: base.steps)
      steps.append(.field(field))
      steps.append(.index(i))
      return FieldPath(steps)
    }
    for i in initContainers.indices {
      body(initContainers[i].restartPolicy == "Always" ? .sidecar : .initContainer, initContainers[i], path("initContainers", i))
    }
    for i in containers.indices { body(.app, containers[i], path("containers", i)) }
    for i in ephemeralContainers.indices { body(.ephemeral, ephemeralContainers[i], path("ephemeralContainers", i)) }
  }

  static let ignoredFields = [
    "dnsPolicy", "dnsConfig", "nodeSelector", "nodeName", "affinity", "tolerations", "schedulerName",
    "priorityClassName", "priority", "preemptionPolicy", "runtimeClassName", "enableServiceLinks",
    "hostAliases", "imagePullSecrets", "readinessGates", "topologySpreadConstraints", "overhead",
    "setHostnameAsFQDN", "schedulingGates", "resourceClaims", "activeDeadlineSeconds", "serviceAccount",
    "resources", "hostnameOverride",
  ]

  static func decode(_ r: NodeReader) throws -> PodSpec {
    var s = PodSpec()
    s.containers = try r.objectList("containers", Container.decode)
    s.initContainers = try r.objectList("initContainers", Container.decode)
    s.ephemeralContainers = try r.objectList("ephemeralContainers", Container.decode)
    s.volumes = try r.objectList("volumes", Volume.decode)
    s.securityContext = try r.objectReader("securityContext", PodSecurityContext.decode)
    s.hostNetwork = try r.bool("hostNetwork")
    s.hostPID = try r.bool("hostPID")
    s.hostIPC = try r.bool("hostIPC")
    s.hostUsers = try r.bool("hostUsers")
    s.shareProcessNamespace = try r.bool("shareProcessNamespace")
    s.automountServiceAccountToken = try r.bool("automountServiceAccountToken")
    s.os = try r.objectReader("os") { o in PodOS(name: try o.string("name") ?? "") }
    s.restartPolicy = try r.string("restartPolicy")
    s.hostname = try r.string("hostname")
    s.subdomain = try r.string("subdomain")
    s.serviceAccountName = try r.string("serviceAccountName")
    s.terminationGracePeriodSeconds = try r.int64("terminationGracePeriodSeconds")
    r.ignore(ignoredFields)
    try s.validate(r)
    return s
  }

  /// The API server's structural checks that policy depends on (recorded with `NodeReader.report`).
  func validate(_ r: NodeReader) throws {
    if containers.isEmpty {
      r.report(GarrisonError(.invalid, "Required value: a pod needs at least one container", field: r.path / "containers", at: r.location))
    }
    // The containers' lists in `allContainers`' order, read in place (no copy of each container, no path unless
    // an error needs it).
    let lists = [("initContainers", initContainers), ("containers", containers), ("ephemeralContainers", ephemeralContainers)]
    var seen: Set<String> = []
    for (field, list) in lists where containers.count + initContainers.count + ephemeralContainers.count > 1 {
      for i in list.indices where !list[i].name.isEmpty && !seen.insert(list[i].name).inserted {
        let c = list[i]
        let p = FieldPath([.field(field), .index(i)])
        r.report(
          GarrisonError(
            .invalid, "Duplicate value: \"\(c.name)\"", field: r.path.appending(p.description) / "name",
            at: r.context.location(of: FieldPath(r.path.description + "." + p.description) / "name")))
      }
    }
    for key in ["hostname", "subdomain"] {
      guard let value = key == "hostname" ? hostname : subdomain, !value.isEmpty else { continue }
      try r.checkName(value, .dnsLabel, r.path / key)
    }
    var volumes: Set<String> = []
    for (i, v) in self.volumes.enumerated() where !v.name.isEmpty && !volumes.insert(v.name).inserted {
      r.report(r.invalid(r.path / "volumes" / i / "name", "Duplicate value: \"\(v.name)\""))
    }
    // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
    volumes.formUnion(r.context.claimTemplateNames)
    for (field, list) in lists {
      for i in list.indices {
        for (j, m) in list[i].volumeMounts.enumerated() where !m.name.isEmpty && !volumes.contains(m.name) {
          let p = FieldPath([.field(field), .index(i)])
          let fp = FieldPath(r.path.description + "." + p.description) / "volumeMounts" / j / "name"
          r.report(GarrisonError(.invalid, "Not found: \"\(m.name)\"", field: fp, at: r.context.location(of: fp)))
        }
      }
    }
    // validateInitContainers: only a sidecar (restartPolicy Always) may have probes.
    for (i, c) in initContainers.enumerated() where c.restartPolicy != "Always" {
      for (key, present) in [
        ("livenessProbe", c.hasLivenessProbe), ("readinessProbe", c.hasReadinessProbe), ("startupProbe", c.hasStartupProbe),
      ] where present {
        let fp = FieldPath(r.path.description + ".initContainers[\(i)]") / key
        r.report(
          GarrisonError(
            .invalid, "Forbidden: may not be set for init containers without restartPolicy=Always", field: fp,
            at: r.context.location(of: fp)))
      }
    }
    if let policy = restartPolicy, !["Always", "OnFailure", "Never"].contains(policy) {
      r.report(
        r.error(
          "restartPolicy", "Unsupported value: \"\(policy)\": supported values: \"Always\", \"OnFailure\", \"Never\"",
          node: r.value("restartPolicy")))
    }
    if shareProcessNamespace == true && hostPID == true {
      r.report(
        GarrisonError(
          .invalid, "Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled",
          field: r.path / "shareProcessNamespace", at: r.location))
    }
  }
}
