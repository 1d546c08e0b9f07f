import GarrisonCore
import GarrisonManifest

/// `privileged` (baseline, v1.0+): no container may set securityContext.privileged=true.
enum PrivilegedCheck {
  static let check = PSSCheck(id: "privileged", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard c.securityContext?.privileged == true else { return nil }
      return PSSViolation(
        reason: "privileged", detail: Words.concat(Words.container(c.name), " must not set securityContext.privileged=true"),
        container: c.name, field: path / "securityContext" / "privileged")
    }
  }
}
