import GarrisonCore
import GarrisonManifest

/// `procMount` (baseline, v1.0+; from v1.35 any value for pods with hostUsers=false) and
/// `procMount_restricted` (restricted, v1.35+, replaces the baseline check without the user-namespace
/// relaxation): securityContext.procMount must be unset or `Default`.
enum ProcMountCheck {
  static let baseline = PSSCheck(
    id: "procMount", level: .baseline,
    versions: [
      VersionedPSSCheck(0, evaluate),
      VersionedPSSCheck(35) { $0.isUserNamespacePod ? [] : evaluate($0) },
    ])

  static let restricted = PSSCheck(
    id: "procMount_restricted", level: .restricted,
    versions: [VersionedPSSCheck(35, overrides: ["procMount"], evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.containers.compactMap { e in
      let c = e.container, path = e.path
      guard let pm = c.securityContext?.procMount, pm != "Default" else { return nil }
      return PSSViolation(
        reason: "procMount", detail: "\(Words.container(c.name)) must not set securityContext.procMount to \(Words.quote([pm]))",
        container: c.name, field: path / "securityContext" / "procMount")
    }
  }
}
