import GarrisonCore
import GarrisonManifest

/// `restrictedVolumes` (restricted, v1.0+, replaces `hostPathVolumes`): only configMap, csi, downwardAPI,
/// emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes.
enum RestrictedVolumesCheck {
  static let check = PSSCheck(
    id: "restrictedVolumes", level: .restricted,
    versions: [VersionedPSSCheck(0, overrides: ["hostPathVolumes"], evaluate)])

  static let allowed: Set<String> = [
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
  ]

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.spec.volumes.enumerated().compactMap { i, v in
      guard !allowed.contains(v.sourceType) else { return nil }
      return PSSViolation(
        reason: "restricted volume types",
        detail: "volume \"\(v.name)\" uses restricted volume type \(Words.quote([v.sourceType]))", container: nil,
        field: pod.specPath / "volumes" / i / v.sourceType)
    }
  }
}
