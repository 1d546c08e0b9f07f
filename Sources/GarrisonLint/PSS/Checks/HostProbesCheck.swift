import GarrisonCore
import GarrisonManifest

/// `hostProbesAndHostLifecycle` (baseline, v1.34+): probes' and lifecycle handlers' httpGet.host and
/// tcpSocket.host must be unset, so the kubelet only ever connects to the pod itself.
enum HostProbesCheck {
  static let check = PSSCheck(id: "hostProbesAndHostLifecycle", level: .baseline, versions: [VersionedPSSCheck(34, evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    pod.containers.flatMap { e in
      let c = e.container, path = e.path
      return c.probeHosts.map { p in
        PSSViolation(
          reason: "probe or lifecycle host",
          detail: "\(Words.container(c.name)) uses probe or lifecycle host \(Words.quote([p.host]))", container: c.name,
          field: FieldPath(path.steps + p.field.steps))
      }
    }
  }
}
