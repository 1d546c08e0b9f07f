import GarrisonCore
import GarrisonManifest

/// `capabilities_baseline` (baseline, v1.0+): capabilities.add may only name the runtime's default set.
/// Names are compared exactly as written, like the admission controller (`CAP_CHOWN` is not `CHOWN`).
enum CapabilitiesBaselineCheck {
  static let check = PSSCheck(id: "capabilities_baseline", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static let allowed: Set<String> = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
  ]

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard let add = c.securityContext?.capabilities?.add, add.contains(where: { !allowed.contains($0) }) else { return nil }
      let bad = Array(Set(add.filter { !allowed.contains($0) })).sorted()
      guard !bad.isEmpty else { return nil }
      return PSSViolation(
        reason: "non-default capabilities",
        detail: "\(Words.container(c.name)) must not include \(Words.quote(bad)) in securityContext.capabilities.add",
        container: c.name, field: path / "securityContext" / "capabilities" / "add")
    }
  }
}
