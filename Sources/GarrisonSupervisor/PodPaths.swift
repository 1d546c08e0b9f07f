#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc

/// The on-disk layout of the state root (default `/var/lib/garrison`, `--root`, `$GARRISON_ROOT`).
///
/// ```
/// <root>/pods/<ns>/<name>/record.json      what the supervisor runs (written once by apply)
/// <root>/pods/<ns>/<name>/status.json      the pod's status (written atomically by the supervisor)
/// <root>/pods/<ns>/<name>/containers/<c>/  bundle: config.json, rootfs/, overlay upper/work
/// <root>/pods/<ns>/<name>/volumes/<v>/     emptyDir, configMap and secret contents
/// <root>/pods/<ns>/<name>/subpaths/<c>/<i> bind mounts of resolved subPaths
/// <root>/pods/<ns>/<name>/logs/<c>/<restart>.log
/// <root>/objects/<ns>/<kind>/<name>.json   ConfigMaps and Secrets
/// <root>/network/<bridge>/<ip>             IP leases
/// <root>/runtime/                          the OCI runtime's --root
/// <root>/seccomp-claims/<boot id>/<seq>    which pod audits a seccomp record of a gone process (`SeccompRecordClaims`)
/// ```
public struct PodPaths: Sendable, Equatable {
  public let root: String
  public let namespace: String
  public let name: String

  public init(root: String, namespace: String, name: String) {
    self.root = root
    self.namespace = namespace
    self.name = name
  }

  /// The state root from `--root`, else `$GARRISON_ROOT`, else `/var/lib/garrison`.
  public static func stateRoot(_ option: String?) -> String {
    if let option, !option.isEmpty { return option }
    if let env = ProcessInfo.processInfo.environment["GARRISON_ROOT"], !env.isEmpty { return env }
    return "/var/lib/garrison"
  }

  public var directory: String { "\(root)/pods/\(namespace)/\(name)" }
  public var record: String { directory + "/record.json" }
  public var status: String { directory + "/status.json" }
  public var supervisorLog: String { directory + "/supervisor.log" }
  public var stopRequest: String { directory + "/stop.json" }
  /// What the supervisor hands over to garrison-keeper and takes back (`SupervisorState`).
  public var supervisorState: String { directory + "/supervisor-state.json" }
  public func container(_ c: String) -> String { directory + "/containers/" + c }
  public func bundle(_ c: String) -> String { container(c) + "/bundle" }
  public func volume(_ v: String) -> String { directory + "/volumes/" + v }
  public func subpath(_ c: String, _ i: Int) -> String { directory + "/subpaths/\(c)/\(i)" }
  public func logDirectory(_ c: String) -> String { directory + "/logs/" + c }
  public func log(_ c: String, restart: Int) -> String { logDirectory(c) + "/\(restart).log" }
  public static func runtimeRoot(_ root: String) -> String { root + "/runtime" }
  public static func podsDirectory(_ root: String) -> String { root + "/pods" }
}
