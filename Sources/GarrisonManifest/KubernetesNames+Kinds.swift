import GarrisonCore

/// Name rules by kind: which kinds are workloads is the manifest model's knowledge.
extension KubernetesNames {
  /// The name rule of each kind Garrison reads (the `Validate*Name` function its API validation uses).
  public static func nameRule(forKind kind: String) -> Rule {
    switch kind {
    case "Namespace": return .dnsLabel
    case "Service": return .dns1035Label
    case "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding": return .pathSegment
    default: return WorkloadKind.known.contains(kind) ? .dnsSubdomain : .pathSegment
    }
  }
}
