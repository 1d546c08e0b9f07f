import GarrisonCore
import GarrisonManifest
import GarrisonPlan

// TEMPORARY seam until GarrisonSeccomp and GarrisonLSM land: the compiler calls these three adapters.

/// Resolves a seccomp profile choice into the OCI rule list for the container's capabilities.
enum SeccompPolicyResolver {
  struct Resolved {
    var profile: String
    var json: String
    var digest: String
  }
  static func resolve(field: ProfileField, capabilities: CapabilitySet, options: CompilerOptions, fieldPath: FieldPath) throws -> Resolved {
    throw GarrisonError(.unenforceable, "seccomp profiles are not available yet", field: fieldPath)
  }
}

/// AppArmor profile names.
enum AppArmorProfiles {
  static let runtimeDefaultName = "garrison-default"
  static func validateLocalhostName(_ name: String, path: FieldPath) throws -> String {
    guard !name.isEmpty else { throw GarrisonError(.invalid, "Required value: localhostProfile", field: path) }
    return name
  }
  static func field(fromAnnotation value: String, path: FieldPath) throws -> ProfileField {
    switch value {
    case "runtime/default": return ProfileField(type: "RuntimeDefault")
    case "unconfined": return ProfileField(type: "Unconfined")
    default:
      if value.hasPrefix("localhost/") { return ProfileField(type: "Localhost", localhostProfile: String(value.dropFirst(10))) }
      throw GarrisonError(.invalid, "invalid AppArmor profile \"\(value)\"", field: path)
    }
  }
}

/// SELinux labels.
enum SELinuxLabels {
  static func make(options: SELinuxOptions?, podUID: String, path: FieldPath) throws -> (process: String, mount: String) {
    let level = options?.level ?? "s0"
    return ("\(options?.user ?? "system_u"):\(options?.role ?? "system_r"):\(options?.type ?? "container_t"):\(level)",
            "system_u:object_r:container_file_t:\(level)")
  }
}
