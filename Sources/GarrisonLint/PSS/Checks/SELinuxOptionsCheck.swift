import GarrisonPlan
import GarrisonCore
import GarrisonManifest

/// `seLinuxOptions` (baseline): seLinuxOptions.type (pod or container) must be empty or a container type
/// (v1.0: container_t, container_init_t, container_kvm_t; v1.31 adds container_engine_t); user and role
/// must not be set.
enum SELinuxOptionsCheck {
  static let types1_0: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t"]
  static let types1_31: Set<String> = types1_0.union(["container_engine_t"])

  static let check = PSSCheck(
    id: "seLinuxOptions", level: .baseline,
    versions: [
      VersionedPSSCheck(0) { evaluate($0, allowed: types1_0) },
      VersionedPSSCheck(31) { evaluate($0, allowed: types1_31) },
    ])

  /// What is wrong with one seLinuxOptions, in the admission controller's words, or nil when allowed.
  static func problems(_ o: SELinuxOptions, allowed: Set<String>) -> String? {
    var bad: [String] = []
    let type = o.type ?? ""
    if !allowed.contains(type) { bad.append("type \(Words.quote([type]))") }
    if !(o.user ?? "").isEmpty { bad.append("user may not be set") }
    if !(o.role ?? "").isEmpty { bad.append("role may not be set") }
    return bad.isEmpty ? nil : bad.joined(separator: "; ")
  }

  static func evaluate(_ pod: PodContext, allowed: Set<String>) -> [PSSViolation] {
    var out: [PSSViolation] = []
    let reason = "seLinuxOptions"
    if let o = pod.spec.securityContext?.seLinuxOptions, let p = problems(o, allowed: allowed) {
      out.append(
        PSSViolation(
          reason: reason, detail: "pod set forbidden securityContext.seLinuxOptions: \(p)", container: nil,
          field: pod.podSecurityContextPath / "seLinuxOptions"))
    }
    for e in pod.containers {
      let c = e.container, path = e.path
      guard let o = c.securityContext?.seLinuxOptions, let p = problems(o, allowed: allowed) else { continue }
      out.append(
        PSSViolation(
          reason: reason, detail: "\(Words.container(c.name)) set forbidden securityContext.seLinuxOptions: \(p)",
          container: c.name, field: path / "securityContext" / "seLinuxOptions"))
    }
    return out
  }
}
