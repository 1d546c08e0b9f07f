import Foundation
import GarrisonCore
import GarrisonManifest

/// One probe as the supervisor runs it: the handler with its port resolved, and the timing.
public struct ProbeRecord: Codable, Sendable, Equatable {
  /// What to do.
  public enum Action: Codable, Sendable, Equatable {
    /// Run the command in the container (the runtime's `exec`, with the container's own plan).
    case exec(command: [String])
    /// `GET path` to `host:port` (host: the pod IP, else 127.0.0.1) from inside the pod's network namespace.
    case httpGet(host: String?, port: UInt16, path: String, headers: [Header])
    /// A TCP connection to `host:port` from inside the pod's network namespace.
    case tcpSocket(host: String?, port: UInt16)
  }

  /// An HTTP header to send.
  public struct Header: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
  }

  /// Nil when the named port does not exist in the container: every run fails with `unresolved`, as kubelet's.
  public var action: Action?
  public var unresolved: String?
  public var initialDelaySeconds: Double
  public var timeoutSeconds: Double
  public var periodSeconds: Double
  public var successThreshold: Int
  public var failureThreshold: Int
  public var terminationGracePeriodSeconds: Double?

  public init(
    action: Action?, unresolved: String? = nil, initialDelaySeconds: Double = 0, timeoutSeconds: Double = 1,
    periodSeconds: Double = 10, successThreshold: Int = 1, failureThreshold: Int = 3,
    terminationGracePeriodSeconds: Double? = nil
  ) {
    self.action = action
    self.unresolved = unresolved
    self.initialDelaySeconds = initialDelaySeconds
    self.timeoutSeconds = timeoutSeconds
    self.periodSeconds = periodSeconds
    self.successThreshold = successThreshold
    self.failureThreshold = failureThreshold
    self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
  }

  /// kubectl describe's summary: `exec [cat /tmp/ok] delay=0s timeout=1s period=10s #success=1 #failure=3`.
  public var summary: String {
    let what: String
    switch action {
    case .exec(let command)?: what = "exec [\(command.joined(separator: " "))]"
    case .httpGet(let host, let port, let path, _)?: what = "http-get http://\(host ?? ""):\(port)\(path)"
    case .tcpSocket(let host, let port)?: what = "tcp-socket \(host ?? ""):\(port)"
    case nil: what = unresolved ?? "?"
    }
    func n(_ d: Double) -> String { d == d.rounded() ? "\(Int(d))" : "\(d)" }
    return
      "\(what) delay=\(n(initialDelaySeconds))s timeout=\(n(timeoutSeconds))s period=\(n(periodSeconds))s #success=\(successThreshold) #failure=\(failureThreshold)"
  }

  /// The record of a validated manifest probe. gRPC probes, HTTPS and a `host` that is not an IPv4 address are
  /// refused (exit 3): the supervisor speaks plain HTTP and resolves no names.
  public static func build(_ probe: Probe, container: Container, field: String) throws -> ProbeRecord {
    func port(_ p: ProbePort) -> (UInt16?, String?) {
      switch p {
      case .number(let n): return (UInt16(clamping: n), nil)
      case .name(let name):
        if let match = container.ports.first(where: { $0.name == name }) { return (UInt16(clamping: match.containerPort), nil) }
        return (nil, "port \(Quoted.quoted(name)) is not a named port of container \(container.name)")
      }
    }
    func checkHost(_ host: String?, _ handler: String) throws {
      guard let host else { return }
      var addr = in_addr()
      guard inet_pton(AF_INET, host, &addr) == 1 else {
        throw GarrisonError(
          .refused, "probe host \(Quoted.quoted(host)) is not an IPv4 address (garrison resolves no names for probes)",
          field: FieldPath(field + ".\(handler).host"))
      }
    }
    var action: Action?
    var unresolved: String?
    switch probe.handler {
    case .exec(let command):
      action = .exec(command: command)
    case .httpGet(let path, let p, let host, let scheme, let headers):
      guard scheme == "HTTP" else {
        throw GarrisonError(
          .refused, "HTTPS probes are not supported by the garrison pod runner (scheme HTTP is)",
          field: FieldPath(field + ".httpGet.scheme"))
      }
      try checkHost(host, "httpGet")
      let (n, why) = port(p)
      if let n { action = .httpGet(host: host, port: n, path: path, headers: headers.map { Header(name: $0.name, value: $0.value) }) }
      unresolved = why
    case .tcpSocket(let p, let host):
      try checkHost(host, "tcpSocket")
      let (n, why) = port(p)
      if let n { action = .tcpSocket(host: host, port: n) }
      unresolved = why
    case .grpc:
      throw GarrisonError(
        .refused, "gRPC probes are not supported by the garrison pod runner (exec, httpGet and tcpSocket are)",
        field: FieldPath(field + ".grpc"))
    }
    return ProbeRecord(
      action: action, unresolved: unresolved, initialDelaySeconds: Double(probe.initialDelaySeconds),
      timeoutSeconds: Double(probe.timeoutSeconds), periodSeconds: Double(probe.periodSeconds),
      successThreshold: Int(probe.successThreshold), failureThreshold: Int(probe.failureThreshold),
      terminationGracePeriodSeconds: probe.terminationGracePeriodSeconds.map(Double.init))
  }
}

/// A container's probes.
public struct ContainerProbes: Codable, Sendable, Equatable {
  public var liveness: ProbeRecord?
  public var readiness: ProbeRecord?
  public var startup: ProbeRecord?

  public init(liveness: ProbeRecord? = nil, readiness: ProbeRecord? = nil, startup: ProbeRecord? = nil) {
    self.liveness = liveness
    self.readiness = readiness
    self.startup = startup
  }

  public var isEmpty: Bool { liveness == nil && readiness == nil && startup == nil }

  /// The records of a container's probes (nil when it has none).
  public static func build(_ c: Container, field: String) throws -> ContainerProbes? {
    let p = ContainerProbes(
      liveness: try c.livenessProbe.map { try ProbeRecord.build($0, container: c, field: field + ".livenessProbe") },
      readiness: try c.readinessProbe.map { try ProbeRecord.build($0, container: c, field: field + ".readinessProbe") },
      startup: try c.startupProbe.map { try ProbeRecord.build($0, container: c, field: field + ".startupProbe") })
    return p.isEmpty ? nil : p
  }

  public func probe(_ kind: ProbeKind) -> ProbeRecord? {
    switch kind {
    case .liveness: return liveness
    case .readiness: return readiness
    case .startup: return startup
    }
  }
}

/// Which probe (`Liveness`, `Readiness`, `Startup`, as kubelet's events name them).
public enum ProbeKind: String, Codable, Sendable, CaseIterable {
  case startup = "Startup", liveness = "Liveness", readiness = "Readiness"
}
