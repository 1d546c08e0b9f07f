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
    for e in pod.containers {
      let c = e.container
      let sc = c.securityContext
      // The field path and the message are made only for a hit.
      func judge(_ key: String, _ own: Int64?, _ inherited: Int64?) {
        let effective = own ?? inherited
        if let v = effective, v >= minimumID { return }
        let field = own != nil || inherited == nil ? e.path / "securityContext" / key : pod.podSecurityContextPath / key
        let what = key == "runAsUser" ? "UID" : "GID"
        if let v = effective {
          out.append(
            HardeningHit(
              message: Words.concat("container \"", c.name, "\" runs with ", what, " ", String(v), ", below ", String(minimumID)),
              container: c.name,
              image: c.image, field: field))
        } else {
          out.append(
            HardeningHit(
              message: Words.concat("container \"", c.name, "\" sets no ", key, " (the image decides, often root)"),
              container: c.name,
              image: c.image, field: field))
        }
      }
      judge("runAsUser", sc?.runAsUser, podSC?.runAsUser)
      judge("runAsGroup", sc?.runAsGroup, podSC?.runAsGroup)
    }
    return out
  }
}
