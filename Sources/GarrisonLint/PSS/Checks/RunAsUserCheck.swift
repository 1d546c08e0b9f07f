import GarrisonCore
import GarrisonManifest

/// `runAsUser` (restricted, v1.23+; from v1.35 pods with hostUsers=false are exempt): runAsUser must not be
/// 0 at pod or container level.
enum RunAsUserCheck {
  static let check = PSSCheck(
    id: "runAsUser", level: .restricted,
    versions: [VersionedPSSCheck(23, evaluate), VersionedPSSCheck(35) { $0.isUserNamespacePod ? [] : evaluate($0) }])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    if pod.spec.securityContext?.runAsUser == 0 {
      out.append(
        PSSViolation(
          reason: "runAsUser=0", detail: "pod must not set runAsUser=0", container: nil,
          field: pod.podSecurityContextPath / "runAsUser"))
    }
    for e in pod.containers where e.container.securityContext?.runAsUser == 0 {
      let c = e.container, path = e.path
      out.append(
        PSSViolation(
          reason: "runAsUser=0", detail: Words.concat(Words.container(c.name), " must not set runAsUser=0"), container: c.name,
          field: path / "securityContext" / "runAsUser"))
    }
    return out
  }
}
