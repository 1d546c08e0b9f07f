import GarrisonCore
import GarrisonManifest

/// `seccompProfile_baseline` (baseline). v1.0–v1.18: the alpha annotations
/// `seccomp.security.alpha.kubernetes.io/pod` and `container.seccomp.security.alpha.kubernetes.io/<name>`
/// (for containers of the pod) must be `runtime/default`, `docker/default` or `localhost/*`.
/// v1.19+: seccompProfile.type, where set (pod or container), must be RuntimeDefault or Localhost.
enum SeccompBaselineCheck {
  static let podAnnotation = "seccomp.security.alpha.kubernetes.io/pod"
  static let containerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"

  static let check = PSSCheck(
    id: "seccompProfile_baseline", level: .baseline,
    versions: [VersionedPSSCheck(0, annotations), VersionedPSSCheck(19, fields)])

  static func validType(_ t: String) -> Bool { t == "RuntimeDefault" || t == "Localhost" }
  static func validAnnotation(_ v: String) -> Bool {
    v == "runtime/default" || v == "docker/default" || v.hasPrefix("localhost/")
  }

  static func annotations(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    func forbid(_ key: String, _ value: String, container: String?) {
      out.append(
        PSSViolation(
          reason: "seccompProfile", detail: "forbidden annotation \(key)=\(Words.goQuote(value))", container: container,
          field: pod.annotationPath(key)))
    }
    if let v = pod.meta.annotations[podAnnotation], !validAnnotation(v) { forbid(podAnnotation, v, container: nil) }
    for e in pod.containers {
      let c = e.container
      let key = containerAnnotationPrefix + c.name
      if let v = pod.meta.annotations[key], !validAnnotation(v) { forbid(key, v, container: c.name) }
    }
    return out
  }

  static func fields(_ pod: PodContext) -> [PSSViolation] {
    var out: [PSSViolation] = []
    if let p = pod.spec.securityContext?.seccompProfile, !validType(p.type) {
      out.append(
        PSSViolation(
          reason: "seccompProfile", detail: "pod must not set securityContext.seccompProfile.type to \(Words.quote([p.type]))",
          container: nil, field: pod.podSecurityContextPath / "seccompProfile" / "type"))
    }
    for e in pod.containers {
      let c = e.container, path = e.path
      guard let p = c.securityContext?.seccompProfile, !validType(p.type) else { continue }
      out.append(
        PSSViolation(
          reason: "seccompProfile",
          detail: "\(Words.container(c.name)) must not set securityContext.seccompProfile.type to \(Words.quote([p.type]))",
          container: c.name, field: path / "securityContext" / "seccompProfile" / "type"))
    }
    return out
  }
}
