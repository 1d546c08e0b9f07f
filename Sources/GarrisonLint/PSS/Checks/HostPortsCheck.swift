import GarrisonCore
import GarrisonManifest

/// `hostPorts` (baseline, v1.0+): ports[*].hostPort must be unset or 0.
enum HostPortsCheck {
  static let check = PSSCheck(id: "hostPorts", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    for e in pod.containers {
      let c = e.container, path = e.path
      for (j, p) in c.ports.enumerated() {
        guard let host = p.hostPort, host != 0 else { continue }
        out.append(
          PSSViolation(
            reason: "hostPort", detail: Words.concat(Words.container(c.name), " uses hostPort ", String(host)), container: c.name,
            field: path / "ports" / j / "hostPort"))
      }
    }
    return out
  }
}
