#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore

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

    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
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
