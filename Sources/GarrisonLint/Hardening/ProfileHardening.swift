import GarrisonCore
import GarrisonManifest

/// Seccomp and AppArmor set to unconfined, by field (pod or container) or by annotation.
enum ProfileHardening {
  static let seccompUnconfined = HardeningCheck(id: "hardening.seccompUnconfined") { pod in
    var out: [HardeningHit] = []
    if pod.spec.securityContext?.seccompProfile?.type == "Unconfined" {
      out.append(
        HardeningHit(
          message: "the pod's seccomp profile is Unconfined", container: nil, image: nil,
          field: pod.podSecurityContextPath / "seccompProfile" / "type"))
    }
    for e in pod.containers where e.container.securityContext?.seccompProfile?.type == "Unconfined" {
      let c = e.container, path = e.path
      out.append(
        HardeningHit(
          message: "container \"\(c.name)\" seccomp profile is Unconfined", container: c.name, image: c.image,
          field: path / "securityContext" / "seccompProfile" / "type"))
    }
    for (key, value) in pod.meta.annotations.sorted(by: { $0.key < $1.key })
    where value == "unconfined"
      && (key == SeccompBaselineCheck.podAnnotation || key.hasPrefix(SeccompBaselineCheck.containerAnnotationPrefix))
    {
      let name =
        key.hasPrefix(SeccompBaselineCheck.containerAnnotationPrefix)
        ? String(key.dropFirst(SeccompBaselineCheck.containerAnnotationPrefix.count)) : nil
      out.append(
        HardeningHit(
          message: "annotation \(key) sets seccomp unconfined", container: name, image: nil, field: pod.annotationPath(key)))
    }
    return out
  }

  static let appArmorUnconfined = HardeningCheck(id: "hardening.appArmorUnconfined") { pod in
    var out: [HardeningHit] = []
    if pod.spec.securityContext?.appArmorProfile?.type == "Unconfined" {
      out.append(
        HardeningHit(
          message: "the pod's AppArmor profile is Unconfined", container: nil, image: nil,
          field: pod.podSecurityContextPath / "appArmorProfile" / "type"))
    }
    for e in pod.containers where e.container.securityContext?.appArmorProfile?.type == "Unconfined" {
      let c = e.container, path = e.path
      out.append(
        HardeningHit(
          message: "container \"\(c.name)\" AppArmor profile is Unconfined", container: c.name, image: c.image,
          field: path / "securityContext" / "appArmorProfile" / "type"))
    }
    for (key, value) in pod.meta.annotations.sorted(by: { $0.key < $1.key })
    where key.hasPrefix(AppArmorProfileCheck.annotationPrefix) && value == "unconfined" {
      out.append(
        HardeningHit(
          message: "annotation \(key) sets AppArmor unconfined",
          container: String(key.dropFirst(AppArmorProfileCheck.annotationPrefix.count)), image: nil,
          field: pod.annotationPath(key)))
    }
    return out
  }
}
