import GarrisonCore

/// A container port given by number or by the name of one of the container's `ports` (`IntOrString`).
public enum ProbePort: Equatable, Sendable {
  case number(Int32)
  case name(String)
}

/// What a probe does: run a command in the container, GET a URL, or open a TCP connection (`grpc` is modelled
/// so that it can be refused by name).
public enum ProbeHandler: Equatable, Sendable {
  case exec(command: [String])
  case httpGet(path: String, port: ProbePort, host: String?, scheme: String, headers: [HTTPHeader])
  case tcpSocket(port: ProbePort, host: String?)
  case grpc(port: Int32, service: String?)

  /// An `httpHeaders[]` entry.
  public struct HTTPHeader: Equatable, Sendable {
    public var name: String
    public var value: String
  }
}

/// A `livenessProbe`, `readinessProbe` or `startupProbe` after API defaulting (`timeoutSeconds` 1,
/// `periodSeconds` 10, `successThreshold` 1, `failureThreshold` 3) and API validation (`validateProbe`).
public struct Probe: Equatable, Sendable {
  public var handler: ProbeHandler
  public var initialDelaySeconds: Int32 = 0
  public var timeoutSeconds: Int32 = 1
  public var periodSeconds: Int32 = 10
  public var successThreshold: Int32 = 1
  public var failureThreshold: Int32 = 3
  /// Liveness and startup only: the grace period of a kill this probe causes (else the pod's).
  public var terminationGracePeriodSeconds: Int64?

  public init(handler: ProbeHandler) { self.handler = handler }

  /// Which probe of a container.
  public enum Kind: String, Sendable, CaseIterable {
    case liveness = "livenessProbe", readiness = "readinessProbe", startup = "startupProbe"
  }

  /// Decodes and validates one probe, as the API server does: exactly one handler, non-negative numbers (0 is
  /// defaulted), `successThreshold` 1 for liveness and startup, no `terminationGracePeriodSeconds` on a
  /// readiness probe, handler fields checked (ports 1-65535 or an IANA service name, scheme HTTP/HTTPS,
  /// header names, a command). Errors are reported with their field path; nil when no handler could be read.
  static func decode(_ r: NodeReader, kind: Kind) throws -> Probe? {
    var handlers: [ProbeHandler] = []
    if let e = try r.object("exec") {
      let command = try e.stringList("command") ?? []
      if command.isEmpty { e.report(e.invalid(e.path / "command", "Required value")) }
      try e.checkNoNUL(command, "command")
      e.finish()
      handlers.append(.exec(command: command))
    }
    if let h = try r.object("httpGet") {
      let path = try h.plainString("path") ?? ""
      let port = try Self.port(h)
      let scheme = try h.string("scheme") ?? "HTTP"
      if !["HTTP", "HTTPS"].contains(scheme) {
        h.report(h.invalid(h.path / "scheme", "Unsupported value: \"\(scheme)\": supported values: \"HTTP\", \"HTTPS\""))
      }
      let headers = try h.objectList("httpHeaders") { hh -> ProbeHandler.HTTPHeader in
        let name = try hh.string("name") ?? ""
        let value = try hh.plainString("value") ?? ""
        if !Self.isHTTPHeaderName(name) {
          hh.report(
            hh.invalid(
              hh.path / "name",
              KubernetesNames.invalid(
                name,
                [
                  "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"
                ])))
        }
        if value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a }) {
          hh.report(hh.invalid(hh.path / "value", "Invalid value: must not contain a line break"))
        }
        return .init(name: name, value: value)
      }
      let host = try h.plainString("host")
      h.finish()
      handlers.append(
        .httpGet(
          path: path.isEmpty ? "/" : path, port: port, host: host?.isEmpty == false ? host : nil,
          scheme: scheme, headers: headers))
    }
    if let t = try r.object("tcpSocket") {
      let port = try Self.port(t)
      let host = try t.plainString("host")
      t.finish()
      handlers.append(.tcpSocket(port: port, host: host?.isEmpty == false ? host : nil))
    }
    if let g = try r.object("grpc") {
      let port = try g.int32("port") ?? 0
      if port < 1 || port > 65535 { g.report(g.invalid(g.path / "port", "Invalid value: \(port): must be between 1 and 65535, inclusive")) }
      let service = try g.string("service")
      g.finish()
      handlers.append(.grpc(port: port, service: service))
    }
    if handlers.count > 1 {
      r.report(r.invalid(r.path, "Forbidden: may not specify more than 1 handler type"))
    }
    guard let handler = handlers.first else {
      r.report(r.invalid(r.path, "Required value: must specify a handler type"))
      return nil
    }
    var p = Probe(handler: handler)
    func number(_ key: String, default d: Int32) throws -> Int32 {
      guard let v = try r.int32(key) else { return d }
      if v < 0 { r.report(r.invalid(r.path / key, "Invalid value: \(v): must be greater than or equal to 0")) }
      return v <= 0 ? d : v
    }
    p.initialDelaySeconds = try number("initialDelaySeconds", default: 0)
    p.timeoutSeconds = try number("timeoutSeconds", default: 1)
    p.periodSeconds = try number("periodSeconds", default: 10)
    p.successThreshold = try number("successThreshold", default: 1)
    p.failureThreshold = try number("failureThreshold", default: 3)
    if kind != .readiness, let v = try r.int32("successThreshold"), v != 1, v >= 0 {
      r.report(r.invalid(r.path / "successThreshold", "Invalid value: \(v): must be 1"))
    }
    if let g = try r.int64("terminationGracePeriodSeconds") {
      if kind == .readiness {
        r.report(r.invalid(r.path / "terminationGracePeriodSeconds", "Forbidden: must not be set for readinessProbes"))
      } else if g <= 0 {
        r.report(r.invalid(r.path / "terminationGracePeriodSeconds", "Invalid value: \(g): must be greater than 0"))
      }
      p.terminationGracePeriodSeconds = g
    }
    return p
  }

  /// `port`: a number 1-65535 or an IANA service name (`validatePortNumOrName`).
  static func port(_ r: NodeReader) throws -> ProbePort {
    guard let v = r.value("port") else {
      r.report(r.invalid(r.path / "port", "Required value"))
      return .number(0)
    }
    if r.doc.scalarKind(v) == .integer {
      let n = try r.int64(v, field: r.path / "port")
      if n < 1 || n > 65535 { r.report(r.invalid(r.path / "port", "Invalid value: \(n): must be between 1 and 65535, inclusive")) }
      return .number(Int32(clamping: n))
    }
    let name = try r.scalarString(v, field: r.path / "port")
    let errs = Self.serviceNameErrors(name)
    if !errs.isEmpty { r.report(r.invalid(r.path / "port", KubernetesNames.invalid(name, errs))) }
    return .name(name)
  }

  /// `IsValidPortName`: at most 15 characters, lowercase letters, digits and '-', at least one letter, no '-' at
  /// either end nor two in a row.
  static func serviceNameErrors(_ s: String) -> [String] {
    var errs: [String] = []
    if s.utf8.count > 15 { errs.append("must be no more than 15 characters") }
    if !s.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) {
      errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    }
    if s.contains("--") { errs.append("must not contain consecutive hyphens") }
    if !s.utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7a }) { errs.append("must contain at least one letter (a-z)") }
    if s.hasPrefix("-") || s.hasSuffix("-") { errs.append("must not begin or end with a hyphen") }
    return errs
  }

  static func isHTTPHeaderName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
  }

  /// The `host` of an httpGet or tcpSocket handler (Pod Security Standards look at it).
  var host: String? {
    switch handler {
    case .httpGet(_, _, let h, _, _), .tcpSocket(_, let h): return h
    default: return nil
    }
  }
}
