import GarrisonCore
import GarrisonManifest
import GarrisonSupervisor
import Glibc

/// Probe records from the manifest's probes (the supervisor runs them; building them needs the manifest model).
extension ProbeRecord {
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

extension ContainerProbes {
  /// The records of a container's probes (nil when it has none).
  public static func build(_ c: Container, field: String) throws -> ContainerProbes? {
    let p = ContainerProbes(
      liveness: try c.livenessProbe.map { try ProbeRecord.build($0, container: c, field: field + ".livenessProbe") },
      readiness: try c.readinessProbe.map { try ProbeRecord.build($0, container: c, field: field + ".readinessProbe") },
      startup: try c.startupProbe.map { try ProbeRecord.build($0, container: c, field: field + ".startupProbe") })
    return p.isEmpty ? nil : p
  }
}
