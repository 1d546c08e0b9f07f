import GarrisonCore
import GarrisonManifest

/// `hostPathVolumes` (baseline, v1.0+): no hostPath volumes. Replaced by `restrictedVolumes` at restricted.
enum HostPathVolumesCheck {
  static let check = PSSCheck(id: "hostPathVolumes", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.spec.volumes.enumerated().compactMap { i, v in
      // A volume with several sources is api.invalid, and each source is still judged.
      guard v.sourceType == "hostPath" || v.otherSourceTypes.contains("hostPath") else { return nil }
      return PSSViolation(
        reason: "hostPath volumes", detail: "volume \"\(v.name)\"", container: nil,
        field: pod.specPath / "volumes" / i / "hostPath")
    }
  }
}
