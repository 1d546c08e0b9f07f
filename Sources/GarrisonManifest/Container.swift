import GarrisonCore

/// Which list of the pod a container comes from.
public enum ContainerRole: String, Codable, Sendable, CaseIterable {
  case initContainer = "init"
  /// An init container with `restartPolicy: Always` (a native sidecar).
  case sidecar
  case app
  case ephemeral
}

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
  public var name: String
  public var image: String?
  public var command: [String]?
  public var args: [String]?
  public var workingDir: String?
  public var env: [EnvVar] = []
  public var ports: [ContainerPort] = []
  public var resources = ResourceRequirements()
  public var volumeMounts: [VolumeMount] = []
  public var securityContext: SecurityContext?
  public var hasLivenessProbe = false
  public var hasReadinessProbe = false
  public var hasStartupProbe = false
  /// Every non-empty `host` of an httpGet/tcpSocket probe or lifecycle handler.
  public var probeHosts: [ProbeHost] = []
  /// `Always` on an init container makes it a sidecar.
  public var restartPolicy: String?
  public var imagePullPolicy: String?
  public var stdin = false
  public var tty = false
  /// Ephemeral containers only.
  public var targetContainerName: String?

  public init(name: String, image: String? = nil) {
    self.name = name
    self.image = image
  }

  static let ignoredFields = [
    "envFrom", "terminationMessagePath", "terminationMessagePolicy", "stdinOnce", "volumeDevices",
    "resizePolicy", "restartPolicyRules",
  ]

  static func decode(_ r: NodeReader) throws -> Container {
    guard let name = try r.string("name") else {
      throw GarrisonError(.invalid, "Required value", field: r.path / "name", at: r.location)
    }
    try Names.checkDNSLabel(name, r, "name")
    var c = Container(name: name, image: try r.string("image"))
    c.command = try r.stringList("command")
    c.args = try r.stringList("args")
    c.workingDir = try r.string("workingDir")
    c.env = try r.objectList("env") { e in
      guard let n = try e.string("name") else { throw e.error("name", "Required value") }
      let from = e.value("valueFrom") != nil
      return EnvVar(name: n, value: try e.string("value"), isReference: from)
    }
    c.ports = try r.objectList("ports") { p in
      guard let port = try p.int32("containerPort") else { throw p.error("containerPort", "Required value") }
      // hostPort 0 means unset, as in the Kubernetes API.
      let written = try p.int32("hostPort")
      let host = written == 0 ? nil : written
      for (key, v) in [("containerPort", port), ("hostPort", host ?? 1)] where v < 1 || v > 65535 {
        throw p.error(key, "Invalid value: \(v): must be between 1 and 65535, inclusive", node: p.value(key))
      }
      return ContainerPort(
        name: try p.string("name"), containerPort: port, hostPort: host, hostIP: try p.string("hostIP"),
        protocol: try p.string("protocol") ?? "TCP")
    }
    c.resources = try r.objectReader("resources") { res in
      res.ignore(["claims"])
      return ResourceRequirements(limits: try res.quantityMap("limits"), requests: try res.quantityMap("requests"))
    } ?? ResourceRequirements()
    c.volumeMounts = try r.objectList("volumeMounts") { m in
      guard let n = try m.string("name") else { throw m.error("name", "Required value") }
      guard let path = try m.string("mountPath"), !path.isEmpty else { throw m.error("mountPath", "Required value") }
      m.ignore(["recursiveReadOnly"])
      return VolumeMount(
        name: n, mountPath: path, subPath: try m.string("subPath"), subPathExpr: try m.string("subPathExpr"),
        readOnly: try m.bool("readOnly") ?? false, mountPropagation: try m.string("mountPropagation"))
    }
    c.securityContext = try r.objectReader("securityContext", SecurityContext.decode)
    c.hasLivenessProbe = r.value("livenessProbe") != nil
    c.hasReadinessProbe = r.value("readinessProbe") != nil
    c.hasStartupProbe = r.value("startupProbe") != nil
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
      guard let pr = try r.object(probe) else { continue }
      c.probeHosts += try handlerHosts(pr, prefix: FieldPath([.field(probe)]))
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

  /// Kubernetes API validation: `allowPrivilegeEscalation: false` contradicts `privileged: true` and
  /// an added `CAP_SYS_ADMIN`.
  func validateEscalation(_ r: NodeReader) throws {
    guard let sc = securityContext, sc.allowPrivilegeEscalation == false else { return }
    let sp = r.path / "securityContext"
    if sc.privileged == true {
      throw GarrisonError(
        .invalid, "Forbidden: cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
        field: sp / "allowPrivilegeEscalation", at: r.context.locations[(sp / "allowPrivilegeEscalation").description])
    }
    if let add = sc.capabilities?.add, add.contains(where: { $0.uppercased() == "SYS_ADMIN" || $0.uppercased() == "CAP_SYS_ADMIN" }) {
      throw GarrisonError(
        .invalid, "Forbidden: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
        field: sp / "allowPrivilegeEscalation", at: r.context.locations[(sp / "allowPrivilegeEscalation").description])
    }
  }
}

/// Kubernetes name rules.
enum Names {
  /// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters.
  static func isDNSLabel(_ s: String) -> Bool {
    guard !s.isEmpty, s.count <= 63 else { return false }
    let ok = s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    return ok && s.first != "-" && s.last != "-"
  }

  /// RFC 1123 subdomain: labels separated by dots, at most 253 characters.
  static func isDNSSubdomain(_ s: String) -> Bool {
    guard !s.isEmpty, s.count <= 253 else { return false }
    return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
  }

  static func checkDNSLabel(_ s: String, _ r: NodeReader, _ key: String) throws {
    guard !isDNSLabel(s) else { return }
    throw r.error(key, "Invalid value: \"\(s)\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", node: r.value(key))
  }
}
