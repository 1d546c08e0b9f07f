import GarrisonCore
import GarrisonManifest

/// `appArmorProfile` (baseline, v1.0+): appArmorProfile.type (pod or container) must be RuntimeDefault or
/// Localhost, and every `container.apparmor.security.beta.kubernetes.io/*` annotation must be empty,
/// `runtime/default` or `localhost/*`.
enum AppArmorProfileCheck {
  static let check = PSSCheck(id: "appArmorProfile", level: .baseline, versions: [VersionedPSSCheck(0, evaluate)])

  static let annotationPrefix = "container.apparmor.security.beta.kubernetes.io/"
  static let reason = "forbidden AppArmor profile"

  static func allowedType(_ t: String) -> Bool { t == "RuntimeDefault" || t == "Localhost" }
  static func allowedAnnotation(_ v: String) -> Bool { v.isEmpty || v == "runtime/default" || v.hasPrefix("localhost/") }

  static func evaluate(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    if let p = pod.spec.securityContext?.appArmorProfile, !allowedType(p.type) {
      out.append(
        PSSViolation(
          reason: reason, detail: "pod must not set AppArmor profile type to \(Words.quote([p.type]))", container: nil,
          field: pod.podSecurityContextPath / "appArmorProfile" / "type"))
    }
    for e in pod.containers {
      let c = e.container, path = e.path
      guard let p = c.securityContext?.appArmorProfile, !allowedType(p.type) else { continue }
      out.append(
        PSSViolation(
          reason: reason, detail: "\(Words.container(c.name)) must not set AppArmor profile type to \(Words.quote([p.type]))",
          container: c.name, field: path / "securityContext" / "appArmorProfile" / "type"))
    }
    for (key, value) in pod.meta.annotations.sorted(by: { $0.key < $1.key })
    where key.hasPrefix(annotationPrefix) && !allowedAnnotation(value) {
      let name = String(key.dropFirst(annotationPrefix.count))
      out.append(
        PSSViolation(
          reason: reason,
          detail: "annotation must not set AppArmor profile type to \(Words.quote(["\(key)=\(Words.goQuote(value))"]))",
          container: name, field: pod.annotationPath(key)))
    }
    return out
  }
}
