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
      // A volume with several sources is api.invalid, and each source is still judged.
      if v.otherSourceTypes.isEmpty && allowed.contains(v.sourceType) { return nil }
      let restricted = ([v.sourceType] + v.otherSourceTypes).filter { !allowed.contains($0) }
      guard let first = restricted.first else { return nil }
      return PSSViolation(
        reason: "restricted volume types",
        detail: "volume \"\(v.name)\" uses restricted volume type \(Words.quote(restricted))", container: nil,
        field: pod.specPath / "volumes" / i / first)
    }
  }
}
