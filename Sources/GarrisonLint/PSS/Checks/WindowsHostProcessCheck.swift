import GarrisonCore
import GarrisonManifest

/// `windowsHostProcess` (baseline, v1.0+): windowsOptions.hostProcess (pod or container) must not be true.
enum WindowsHostProcessCheck {
  static let check = PSSCheck(id: "windowsHostProcess", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    let tail = "must not set securityContext.windowsOptions.hostProcess=true"
    if pod.spec.securityContext?.windowsOptions?.hostProcess == true {
      out.append(
        PSSViolation(
          reason: "hostProcess", detail: "pod \(tail)", container: nil,
          field: pod.podSecurityContextPath / "windowsOptions" / "hostProcess"))
    }
    for e in pod.containers where e.container.securityContext?.windowsOptions?.hostProcess == true {
      let c = e.container, path = e.path
      out.append(
        PSSViolation(
          reason: "hostProcess", detail: "\(Words.container(c.name)) \(tail)", container: c.name,
          field: path / "securityContext" / "windowsOptions" / "hostProcess"))
    }
    return out
  }
}
