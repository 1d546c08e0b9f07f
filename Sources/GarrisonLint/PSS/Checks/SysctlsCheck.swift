import GarrisonCore
import GarrisonManifest

/// `sysctls` (baseline): spec.securityContext.sysctls may only name the safe set of the policy version.
enum SysctlsCheck {
  static let allowed1_0: Set<String> = [
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
  ]
  static let allowed1_27 = allowed1_0.union(["net.ipv4.ip_local_reserved_ports"])
  static let allowed1_29 = allowed1_27.union([
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
  ])
  static let allowed1_32 = allowed1_29.union(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"])
  static let allowed1_37 = allowed1_32.union(["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"])

  /// The safe set of the newest version (used by the hardening check too).
  static var newest: Set<String> { allowed1_37 }

  static let check = PSSCheck(
    id: "sysctls", level: .baseline,
    versions: [
      VersionedPSSCheck(0) { evaluate($0, allowed1_0) }, VersionedPSSCheck(27) { evaluate($0, allowed1_27) },
      VersionedPSSCheck(29) { evaluate($0, allowed1_29) }, VersionedPSSCheck(32) { evaluate($0, allowed1_32) },
      VersionedPSSCheck(37) { evaluate($0, allowed1_37) },
    ])

  static func evaluate(_ pod: PodContext, _ allowed: Set<String>) -> [PSSViolation] {
    (pod.spec.securityContext?.sysctls ?? []).enumerated().compactMap { i, s in
      guard !allowed.contains(s.name) else { return nil }
      return PSSViolation(
        reason: "forbidden sysctls", detail: s.name, container: nil,
        field: pod.podSecurityContextPath / "sysctls" / i / "name")
    }
  }
}
