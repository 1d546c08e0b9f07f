import GarrisonCore
import GarrisonManifest

/// Which pod sysctls may be set: Kubernetes' safe set, plus operator-allowed namespaced ones, never
/// a sysctl of a namespace the pod shares with the host.
enum SysctlRules {
  /// The kubelet's safe sysctls (all namespaced), as of Kubernetes 1.32.
  static let safe: Set<String> = [
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
  ]

  enum Namespace: String { case ipc, net }

  /// The namespace a sysctl belongs to, or nil when it is node-wide (never settable from a pod). The kubelet's
  /// table (`NamespacedBy`): `kernel.sem`, and the prefixes `kernel.shm` (so `kernel.shm_next_id` too),
  /// `kernel.msg`, `fs.mqueue.` (IPC) and `net.` (network).
  static func namespace(of name: String) -> Namespace? {
    if name.hasPrefix("net.") { return .net }
    if name == "kernel.sem" || name.hasPrefix("kernel.shm") || name.hasPrefix("kernel.msg") || name.hasPrefix("fs.mqueue.") {
      return .ipc
    }
    return nil
  }

  /// Validates the pod's sysctls; returns them keyed by dotted name.
  static func resolve(_ sysctls: [Sysctl], spec: PodSpec, allowedUnsafe: [String], path: FieldPath) throws -> [String: String] {
    var out: [String: String] = [:]
    for (i, s) in sysctls.enumerated() {
      let name = s.name.contains("/") ? s.name.replacingOccurrences(of: "/", with: ".") : s.name
      let p = path / i / "name"
      guard let ns = namespace(of: name) else {
        throw GarrisonError(.refused, "sysctl \"\(name)\" is not namespaced and cannot be set for a pod", field: p)
      }
      if ns == .net && spec.hostNetwork == true {
        throw GarrisonError(.refused, "sysctl \"\(name)\" is not allowed with hostNetwork: it would change the host", field: p)
      }
      if ns == .ipc && spec.hostIPC == true {
        throw GarrisonError(.refused, "sysctl \"\(name)\" is not allowed with hostIPC: it would change the host", field: p)
      }
      let allowed =
        safe.contains(name)
        || allowedUnsafe.contains { glob in
          glob.hasSuffix("*") ? name.hasPrefix(String(glob.dropLast())) : glob == name
        }
      guard allowed else {
        throw GarrisonError(.refused, "sysctl \"\(name)\" is not in the safe set; allow it with --allowed-unsafe-sysctls", field: p)
      }
      out[name] = s.value
    }
    return out
  }
}

import Foundation
