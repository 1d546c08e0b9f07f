import GarrisonCore
import GarrisonManifest

/// `hostNamespaces` (baseline, v1.0+): spec.hostNetwork, hostPID and hostIPC must be unset or false.
enum HostNamespacesCheck {
  static let check = PSSCheck(id: "hostNamespaces", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    guard pod.spec.hostNetwork == true || pod.spec.hostPID == true || pod.spec.hostIPC == true else { return [] }
    let flags: [(String, Bool?)] = [
      ("hostNetwork", pod.spec.hostNetwork), ("hostPID", pod.spec.hostPID), ("hostIPC", pod.spec.hostIPC),
    ]
    return flags.compactMap { name, value in
      guard value == true else { return nil }
      return PSSViolation(reason: "host namespaces", detail: "\(name)=true", container: nil, field: pod.specPath / name)
    }
  }
}
