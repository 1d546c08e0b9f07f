import GarrisonCore

/// Kubernetes' `ValidatePodSpecificAnnotations` for the legacy profile annotations (Garrison reads the AppArmor
/// one as a profile name): AppArmor values `runtime/default`, `unconfined`, `localhost/<name>` or empty; seccomp
/// values `runtime/default`, `docker/default`, `unconfined` or
/// `localhost/<relative path without ..>`. None may hold a NUL. The API server also refuses an AppArmor annotation
/// naming no container of the pod; Garrison never reads such an annotation, and Pod Security Standards still
/// judge it (the lint fixtures keep one), so it is accepted here.
enum PodAnnotations {
  static let appArmorPrefix = "container.apparmor.security.beta.kubernetes.io/"
  static let seccompPod = "seccomp.security.alpha.kubernetes.io/pod"
  static let seccompContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/"

  static func validate(_ meta: ObjectMeta, metadataPath: FieldPath, context: DecodeContext, at fallback: SourceLocation) throws {
    for (key, value) in meta.annotations.sorted(by: { $0.key < $1.key }) {
      let field = (metadataPath / "annotations").appending(key: key)
      func fail(_ messages: [String]) -> GarrisonError {
        GarrisonError(
          .invalid, KubernetesNames.invalid(value, messages), field: field, at: context.location(of: field) ?? fallback)
      }
      let isAppArmor = key.hasPrefix(appArmorPrefix)
      let isSeccomp = key == seccompPod || key.hasPrefix(seccompContainerPrefix)
      guard isAppArmor || isSeccomp else { continue }
      if value.utf8.contains(0) {
        context.invalid.append(fail(["must not contain a NUL byte"]))
        continue
      }
      if isAppArmor {
        if !(value.isEmpty || value == "runtime/default" || value == "unconfined" || value.hasPrefix("localhost/")) {
          context.invalid.append(fail(["invalid AppArmor profile name: \(KubernetesNames.quoted(value))"]))
        }
      } else if value.hasPrefix("localhost/") {
        let path = String(value.dropFirst("localhost/".count))
        if path.hasPrefix("/") { context.invalid.append(fail(["must be a relative path"])) }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
          context.invalid.append(fail(["must not contain '..'"]))
        }
      } else if !["runtime/default", "docker/default", "unconfined"].contains(value) {
        context.invalid.append(fail(["must be a valid seccomp profile"]))
      }
    }
  }
}
