import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// `runAsNonRoot` (restricted, v1.0+; from v1.35 pods with hostUsers=false are exempt): runAsNonRoot=true
/// at pod level or in every container, and never false anywhere.
enum RunAsNonRootCheck {
  static let check = PSSCheck(
    id: "runAsNonRoot", level: .restricted,
    versions: [VersionedPSSCheck(0, evaluate), VersionedPSSCheck(35) { $0.isUserNamespacePod ? [] : evaluate($0) }])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    let reason = "runAsNonRoot != true"
    var out: [PSSViolation] = []
    let podValue = pod.spec.securityContext?.runAsNonRoot
    if podValue == false {
      out.append(
        PSSViolation(
          reason: reason, detail: "pod must not set securityContext.runAsNonRoot=false", container: nil,
          field: pod.podSecurityContextPath / "runAsNonRoot"))
    }
    for e in pod.containers {
      let c = e.container
      // The field path is made only for a violation.
      switch c.securityContext?.runAsNonRoot {
      case false?:
        out.append(
          PSSViolation(
            reason: reason, detail: Words.concat(Words.container(c.name), " must not set securityContext.runAsNonRoot=false"),
            container: c.name, field: e.path / "securityContext" / "runAsNonRoot"))
      case nil where podValue != true:
        out.append(
          PSSViolation(
            reason: reason, detail: Words.concat("pod or ", Words.container(c.name), " must set securityContext.runAsNonRoot=true"),
            container: c.name, field: e.path / "securityContext" / "runAsNonRoot"))
      default: break
      }
    }
    return out
  }
}
