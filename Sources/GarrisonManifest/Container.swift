import GarrisonCore

/// A container port; `hostPort` matters to policy.
public struct ContainerPort: Equatable, Sendable {
  public var name: String?
  public var containerPort: Int32
  public var hostPort: Int32?
  public var hostIP: String?
  public var `protocol`: String
}

/// An environment variable (only literal values are resolved by Garrison).
public struct EnvVar: Equatable, Sendable {
  public var name: String
  public var value: String?
  /// Whether the value comes from a reference (`valueFrom`), which Garrison does not resolve.
  public var isReference: Bool
  public init(name: String, value: String?, isReference: Bool = false) {
    self.name = name
    self.value = value
    self.isReference = isReference
  }
}

/// `resources`: limits and requests by resource name.
public struct ResourceRequirements: Equatable, Sendable {
  public var limits: [String: Quantity] = [:]
  public var requests: [String: Quantity] = [:]
  public init(limits: [String: Quantity] = [:], requests: [String: Quantity] = [:]) {
    self.limits = limits
    self.requests = requests
  }
}

/// A `host` override in an HTTP or TCP probe or lifecycle handler (Pod Security Standards forbid it from v1.34):
/// the container's kubelet would connect to that host instead of the pod.
public struct ProbeHost: Equatable, Sendable {
  public var host: String
  /// Relative to the container, e.g. `livenessProbe.httpGet.host`, `lifecycle.preStop.tcpSocket.host`.
  public var field: FieldPath
}

/// A `volumeMounts[]` entry.
public struct VolumeMount: Equatable, Sendable {
  public var name: String
  public var mountPath: String
  public var subPath: String?
  public var subPathExpr: String?
  public var readOnly: Bool
  public var mountPropagation: String?
}

/// A container of any kind (init, sidecar, app, ephemeral) with the fields policy and the runner read.
public struct Container: Equatable, Sendable {
  /// The fields, shared by copies until one of them changes (copy on write): lint's checks take each container out
  /// of the pod's list many times per pod, and copying some twenty fields each time was ~4 % of a lint run.
  private var storage: Storage

  /// The stored fields of a container.
  struct Fields: Equatable, Sendable {
    var name: String
    var image: String? = nil
    var command: [String]? = nil
    var args: [String]? = nil
    var workingDir: String? = nil
    var env: [EnvVar] = []
    var ports: [ContainerPort] = []
    var resources: ResourceRequirements = ResourceRequirements()
    var volumeMounts: [VolumeMount] = []
    var securityContext: SecurityContext? = nil
    var hasLivenessProbe: Bool = false
    var hasReadinessProbe: Bool = false
    var hasStartupProbe: Bool = false
    var livenessProbe: Probe? = nil
    var readinessProbe: Probe? = nil
    var startupProbe: Probe? = nil
    var probeHosts: [ProbeHost] = []
    var restartPolicy: String? = nil
    var imagePullPolicy: String? = nil
    var stdin: Bool = false
    var tty: Bool = false
    var targetContainerName: String? = nil
  }

  /// The box holding the fields; changed only while uniquely referenced (`fields`), so sharing it is safe.
  final class Storage: @unchecked Sendable {
    // Accessed only through `Container`, whose copy on write keeps accesses from overlapping: no run-time check.
    @exclusivity(unchecked) var fields: Fields
    init(_ fields: Fields) { self.fields = fields }
  }

  /// The fields, for reading; for writing, copied first when another container shares them.
  private var fields: Fields {
    get { storage.fields }
    _modify {
      if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
      yield &storage.fields
    }
  }

  public var name: String {
    _read { yield storage.fields.name }
    _modify { yield &fields.name }
  }
  public var image: String? {
    _read { yield storage.fields.image }
    _modify { yield &fields.image }
  }
  public var command: [String]? {
    _read { yield storage.fields.command }
    _modify { yield &fields.command }
  }
  public var args: [String]? {
    _read { yield storage.fields.args }
    _modify { yield &fields.args }
  }
  public var workingDir: String? {
    _read { yield storage.fields.workingDir }
    _modify { yield &fields.workingDir }
  }
  public var env: [EnvVar] {
    _read { yield storage.fields.env }
    _modify { yield &fields.env }
  }
  public var ports: [ContainerPort] {
    _read { yield storage.fields.ports }
    _modify { yield &fields.ports }
  }
  public var resources: ResourceRequirements {
    _read { yield storage.fields.resources }
    _modify { yield &fields.resources }
  }
  public var volumeMounts: [VolumeMount] {
    _read { yield storage.fields.volumeMounts }
    _modify { yield &fields.volumeMounts }
  }
  public var securityContext: SecurityContext? {
    _read { yield storage.fields.securityContext }
    _modify { yield &fields.securityContext }
  }
  public var hasLivenessProbe: Bool {
    get { storage.fields.hasLivenessProbe }
    _modify { yield &fields.hasLivenessProbe }
  }
  public var hasReadinessProbe: Bool {
    get { storage.fields.hasReadinessProbe }
    _modify { yield &fields.hasReadinessProbe }
  }
  public var hasStartupProbe: Bool {
    get { storage.fields.hasStartupProbe }
    _modify { yield &fields.hasStartupProbe }
  }
  /// The probes, defaulted and validated (`Probe.decode`).
  public var livenessProbe: Probe? {
    _read { yield storage.fields.livenessProbe }
    _modify { yield &fields.livenessProbe }
  }
  public var readinessProbe: Probe? {
    _read { yield storage.fields.readinessProbe }
    _modify { yield &fields.readinessProbe }
  }
  public var startupProbe: Probe? {
    _read { yield storage.fields.startupProbe }
    _modify { yield &fields.startupProbe }
  }
  /// Every non-empty `host` of an httpGet/tcpSocket probe or lifecycle handler.
  public var probeHosts: [ProbeHost] {
    _read { yield storage.fields.probeHosts }
    _modify { yield &fields.probeHosts }
  }
  /// `Always` on an init container makes it a sidecar.
  public var restartPolicy: String? {
    _read { yield storage.fields.restartPolicy }
    _modify { yield &fields.restartPolicy }
  }
  public var imagePullPolicy: String? {
    _read { yield storage.fields.imagePullPolicy }
    _modify { yield &fields.imagePullPolicy }
  }
  public var stdin: Bool {
    get { storage.fields.stdin }
    _modify { yield &fields.stdin }
  }
  public var tty: Bool {
    get { storage.fields.tty }
    _modify { yield &fields.tty }
  }
  /// Ephemeral containers only.
  public var targetContainerName: String? {
    _read { yield storage.fields.targetContainerName }
    _modify { yield &fields.targetContainerName }
  }

  public init(name: String, image: String? = nil) {
    storage = Storage(Fields(name: name, image: image))
  }

  public static func == (a: Container, b: Container) -> Bool { a.storage === b.storage || a.storage.fields == b.storage.fields }

  static let ignoredFields = [
    "envFrom", "terminationMessagePath", "terminationMessagePolicy", "stdinOnce", "volumeDevices",
    "resizePolicy", "restartPolicyRules",
  ]

  static func decode(_ r: NodeReader) throws -> Container {
    let name = try r.string("name") ?? ""
    if name.isEmpty { r.report(GarrisonError(.invalid, "Required value", field: r.path / "name", at: r.location)) }
    try r.checkName(name, .dnsLabel, r.path / "name")
    var c = Container(name: name, image: try r.string("image"))
    c.command = try r.stringList("command")
    try r.checkNoNUL(c.command, "command")
    c.args = try r.stringList("args")
    try r.checkNoNUL(c.args, "args")
    c.workingDir = try r.plainString("workingDir")
    c.env = try r.objectList("env") { e in
      let n = try e.string("name") ?? ""
      if n.isEmpty { e.report(e.invalid(e.path / "name", "Required value")) } else { try EnvVar.checkName(n, e) }
      let from = e.value("valueFrom") != nil
      return EnvVar(name: n, value: try e.plainString("value"), isReference: from)
    }
    c.ports = try r.objectList("ports", ContainerPort.decode)
    c.resources = try r.objectReader("resources", ResourceRequirements.decode) ?? ResourceRequirements()
    c.volumeMounts = try r.objectList("volumeMounts", VolumeMount.decode)
    var mountPaths: Set<String> = []
    for (j, m) in c.volumeMounts.enumerated() where !m.mountPath.isEmpty && !mountPaths.insert(m.mountPath).inserted {
      r.report(r.invalid(r.path / "volumeMounts" / j / "mountPath", KubernetesNames.invalid(m.mountPath, ["must be unique"])))
    }
    c.securityContext = try r.objectReader("securityContext", SecurityContext.decode)
    c.hasLivenessProbe = r.value("livenessProbe") != nil
    c.hasReadinessProbe = r.value("readinessProbe") != nil
    c.hasStartupProbe = r.value("startupProbe") != nil
    for kind in Probe.Kind.allCases {
      guard let probe = try r.objectReader(kind.rawValue, { try Probe.decode($0, kind: kind) }) ?? nil else { continue }
      switch kind {
      case .liveness: c.livenessProbe = probe
      case .readiness: c.readinessProbe = probe
      case .startup: c.startupProbe = probe
      }
      if let host = probe.host {
        let handler = if case .httpGet = probe.handler { "httpGet" } else { "tcpSocket" }
        c.probeHosts.append(ProbeHost(host: host, field: FieldPath([.field(kind.rawValue)]) / handler / "host"))
      }
    }
    if let lifecycle = try r.object("lifecycle") {
      for hook in ["postStart", "preStop"] {
        guard let h = try lifecycle.object(hook) else { continue }
        c.probeHosts += try handlerHosts(h, prefix: FieldPath([.field("lifecycle"), .field(hook)]))
      }
      lifecycle.ignore(["stopSignal"])
      lifecycle.finish()
    }
    c.restartPolicy = try r.string("restartPolicy")
    c.imagePullPolicy = try r.string("imagePullPolicy")
    c.stdin = try r.bool("stdin") ?? false
    c.tty = try r.bool("tty") ?? false
    c.targetContainerName = try r.string("targetContainerName")
    r.ignore(ignoredFields)
    try c.validateEscalation(r)
    try c.validateMountPropagation(r)
    return c
  }

  /// The `host` of a probe's or hook's httpGet and tcpSocket handlers; the handlers' other fields are accepted as is.
  static func handlerHosts(_ r: NodeReader, prefix: FieldPath) throws -> [ProbeHost] {
    var out: [ProbeHost] = []
    for handler in ["httpGet", "tcpSocket"] {
      guard let h = try r.object(handler) else { continue }
      if let host = try h.string("host"), !host.isEmpty {
        out.append(ProbeHost(host: host, field: prefix / handler / "host"))
      }
      h.ignoreAll()
    }
    r.ignoreAll()
    r.finish()
    return out
  }

  /// Kubernetes API validation (`ValidateSecurityContext`): `allowPrivilegeEscalation: false` contradicts
  /// `privileged: true` and an added capability written exactly `CAP_SYS_ADMIN` (the API server compares the
  /// string: `SYS_ADMIN` and `cap_sys_admin` pass, and no_new_privs with CAP_SYS_ADMIN is what the kernel does).
  func validateEscalation(_ r: NodeReader) throws {
    guard let sc = securityContext, sc.allowPrivilegeEscalation == false else { return }
    let sp = r.path / "securityContext"
    if sc.privileged == true {
      r.report(
        GarrisonError(
          .invalid, "Forbidden: cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
          field: sp / "allowPrivilegeEscalation", at: r.context.location(of: sp / "allowPrivilegeEscalation")))
    }
    if let add = sc.capabilities?.add, add.contains("CAP_SYS_ADMIN") {
      r.report(
        GarrisonError(
          .invalid, "Forbidden: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
          field: sp / "allowPrivilegeEscalation", at: r.context.location(of: sp / "allowPrivilegeEscalation")))
    }
  }
}

extension Container {
  /// Kubernetes' `validateMountPropagation`: a known mode, and `Bidirectional` only for privileged containers.
  func validateMountPropagation(_ r: NodeReader) throws {
    for (j, m) in volumeMounts.enumerated() {
      guard let mode = m.mountPropagation else { continue }
      let field = r.path / "volumeMounts" / j / "mountPropagation"
      guard ["None", "HostToContainer", "Bidirectional"].contains(mode) else {
        r.report(r.invalid(field, "Unsupported value: \"\(mode)\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\""))
        continue
      }
      if mode == "Bidirectional" && securityContext?.privileged != true {
        r.report(r.invalid(field, "Forbidden: Bidirectional mount propagation is available only to privileged containers"))
      }
    }
  }
}

extension EnvVar {
  /// Kubernetes' environment variable name rule (`IsRelaxedEnvVarName`, the default since 1.32): printable ASCII
  /// other than '='.
  static func checkName(_ name: String, _ r: NodeReader) throws {
    if name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != 0x3d }) { return }
    r.report(
      r.invalid(
        r.path / "name",
        KubernetesNames.invalid(
          name,
          [
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
          ])))
  }
}

extension ContainerPort {
  static func decode(_ p: NodeReader) throws -> ContainerPort {
    let port = try p.int32("containerPort") ?? 0
    if port == 0 { p.report(p.invalid(p.path / "containerPort", "Required value")) }
    // hostPort 0 means unset, as in the Kubernetes API.
    let hostPort = try p.int32("hostPort")
    let host = hostPort == 0 ? nil : hostPort
    for (key, v) in [("containerPort", port == 0 ? 1 : port), ("hostPort", host ?? 1)] where v < 1 || v > 65535 {
      p.report(p.invalid(p.path / key, "Invalid value: \(v): must be between 1 and 65535, inclusive"))
    }
    // An empty protocol is defaulted to TCP by the API, like an absent one.
    let written = try p.string("protocol") ?? ""
    let proto = written.isEmpty ? "TCP" : written
    if !["TCP", "UDP", "SCTP"].contains(proto) {
      p.report(p.invalid(p.path / "protocol", "Unsupported value: \"\(proto)\": supported values: \"SCTP\", \"TCP\", \"UDP\""))
    }
    let hostIP = try p.plainString("hostIP")
    return ContainerPort(name: try p.string("name"), containerPort: port, hostPort: host, hostIP: hostIP, protocol: proto)
  }
}

extension VolumeMount {
  /// Kubernetes' `validateVolumeMounts` for one entry: name and mountPath required, `subPath` and `subPathExpr`
  /// relative without `..` and not both; every path free of NUL.
  static func decode(_ m: NodeReader) throws -> VolumeMount {
    let n = try m.requiredString("name")
    let path = try m.requiredString("mountPath")
    try m.checkNoNUL(path, m.path / "mountPath")
    m.ignore(["recursiveReadOnly"])
    let sub = try m.string("subPath"), expr = try m.string("subPathExpr")
    if let sub, !sub.isEmpty { try m.checkLocalDescendingPath(sub, m.path / "subPath") }
    if let expr, !expr.isEmpty {
      if let sub, !sub.isEmpty {
        m.report(m.invalid(m.path / "subPathExpr", KubernetesNames.invalid(expr, ["subPathExpr and subPath are mutually exclusive"])))
      }
      try m.checkLocalDescendingPath(expr, m.path / "subPathExpr")
    }
    return VolumeMount(
      name: n, mountPath: path, subPath: sub, subPathExpr: expr, readOnly: try m.bool("readOnly") ?? false,
      mountPropagation: try m.string("mountPropagation"))
  }
}
