import GarrisonCore
import GarrisonManifest

/// `capabilities_restricted` (restricted, v1.22+, replaces `capabilities_baseline`; from v1.25 pods with
/// spec.os.name=windows are exempt): every container drops `ALL` and adds at most `NET_BIND_SERVICE`.
enum CapabilitiesRestrictedCheck {
  static let check = PSSCheck(
    id: "capabilities_restricted", level: .restricted,
    versions: [
      VersionedPSSCheck(22, overrides: ["capabilities_baseline"], evaluate),
      VersionedPSSCheck(25, overrides: ["capabilities_baseline"]) { $0.isWindowsPod ? [] : evaluate($0) },
    ])

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    let reason = "unrestricted capabilities"
    for e in pod.containers {
      let c = e.container
      let caps = c.securityContext?.capabilities
      // Paths and sets are made only for a violation.
      if !(caps?.drop.contains("ALL") ?? false) {
        out.append(
          PSSViolation(
            reason: reason, detail: Words.concat(Words.container(c.name), " must set securityContext.capabilities.drop=[\"ALL\"]"),
            container: c.name, field: e.path / "securityContext" / "capabilities" / "drop"))
      }
      if let add = caps?.add, add.contains(where: { $0 != "NET_BIND_SERVICE" }) {
        let added = Array(Set(add.filter { $0 != "NET_BIND_SERVICE" })).sorted()
        out.append(
          PSSViolation(
            reason: reason,
            detail: "\(Words.container(c.name)) must not include \(Words.quote(added)) in securityContext.capabilities.add",
            container: c.name, field: e.path / "securityContext" / "capabilities" / "add"))
      }
    }
    return out
  }
}
