import GarrisonCore
import GarrisonManifest

/// UID/GID hardening: the effective runAsUser and runAsGroup (container, else pod) are set and >= 10000.
/// Pods in a user namespace (hostUsers=false) are skipped: their IDs are mapped away from the host's.
enum IdentityHardening {
  static let minimumID: Int64 = 10000

  static let runAsHighUID = HardeningCheck(id: "hardening.runAsHighUID") { pod in
    guard !pod.isUserNamespacePod else { return [] }
    let podSC = pod.spec.securityContext
    var out: [HardeningHit] = []
    for (_, c, path) in pod.containers {
      let sc = c.securityContext
      for (key, own, inherited) in [
        ("runAsUser", sc?.runAsUser, podSC?.runAsUser), ("runAsGroup", sc?.runAsGroup, podSC?.runAsGroup),
      ] {
        let effective = own ?? inherited
        let field = own != nil || inherited == nil ? path / "securityContext" / key : pod.podSecurityContextPath / key
        let what = key == "runAsUser" ? "UID" : "GID"
        if let v = effective {
          guard v < minimumID else { continue }
          out.append(
            HardeningHit(
              message: "container \"\(c.name)\" runs with \(what) \(v), below \(minimumID)", container: c.name,
              image: c.image, field: field))
        } else {
          out.append(
            HardeningHit(
              message: "container \"\(c.name)\" sets no \(key) (the image decides, often root)", container: c.name,
              image: c.image, field: field))
        }
      }
    }
    return out
  }
}
