import GarrisonCore
import GarrisonManifest

/// `allowPrivilegeEscalation` (restricted, v1.8+; from v1.25 pods with spec.os.name=windows are exempt):
/// every container must set securityContext.allowPrivilegeEscalation=false.
enum AllowPrivilegeEscalationCheck {
  static let check = PSSCheck(
    id: "allowPrivilegeEscalation", level: .restricted,
    versions: [VersionedPSSCheck(8, evaluate), VersionedPSSCheck(25) { $0.isWindowsPod ? [] : evaluate($0) }])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard c.securityContext?.allowPrivilegeEscalation != false else { return nil }
      return PSSViolation(
        reason: "allowPrivilegeEscalation != false",
        detail: Words.concat(Words.container(c.name), " must set securityContext.allowPrivilegeEscalation=false"), container: c.name,
        field: path / "securityContext" / "allowPrivilegeEscalation")
    }
  }
}
