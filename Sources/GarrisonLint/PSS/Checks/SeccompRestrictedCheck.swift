import GarrisonCore
import GarrisonManifest

/// `seccompProfile_restricted` (restricted, v1.19+, replaces the baseline seccomp check; from v1.25 pods
/// with spec.os.name=windows are exempt): seccompProfile.type must be RuntimeDefault or Localhost at pod
/// level, or in every container; no container may set another type.
enum SeccompRestrictedCheck {
  static let check = PSSCheck(
    id: "seccompProfile_restricted", level: .restricted,
    versions: [
      VersionedPSSCheck(19, overrides: ["seccompProfile_baseline"], evaluate),
      VersionedPSSCheck(25, overrides: ["seccompProfile_baseline"]) { $0.isWindowsPod ? [] : evaluate($0) },
    ])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    var out = SeccompBaselineCheck.fields(pod)
    let podSet = pod.spec.securityContext?.seccompProfile.map { SeccompBaselineCheck.validType($0.type) } ?? false
    guard !podSet else { return out }
    for e in pod.containers where e.container.securityContext?.seccompProfile == nil {
      let c = e.container, path = e.path
      out.append(
        PSSViolation(
          reason: "seccompProfile",
          detail: Words.concat(
            "pod or ", Words.container(c.name),
            " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""),
          container: c.name, field: path / "securityContext" / "seccompProfile" / "type"))
    }
    return out
  }
}
