import GarrisonCore

/// The AppArmor confinement a container gets, resolved from the `appArmorProfile` field
/// `{type: RuntimeDefault|Localhost|Unconfined, localhostProfile}` or the legacy annotation
/// (`container.apparmor.security.beta.kubernetes.io/<name>`: `runtime/default`, `localhost/<name>`, `unconfined`).
public enum AppArmorSelection: Hashable, Sendable, Codable {
  /// Garrison's rendered RuntimeDefault profile; the runtime loads `profileText` and confines under `profileName`.
  case runtimeDefault(profileName: String, profileText: String)
  /// A profile already loaded on the node, by name.
  case localhost(name: String)
  /// No AppArmor confinement.
  case unconfined

  /// The profile name to exec under, or nil for unconfined.
  public var profileName: String? {
    switch self {
    case .runtimeDefault(let name, _): return name
    case .localhost(let name): return name
    case .unconfined: return nil
    }
  }

  /// Parses the `appArmorProfile` field; `field` is its path, used in errors.
  public static func fromField(
    type: String, localhostProfile: String?, runtimeDefault: AppArmorProfile, field: FieldPath
  ) throws -> AppArmorSelection {
    let op = "parse appArmorProfile"
    switch type {
    case "RuntimeDefault", "Unconfined":
      guard localhostProfile == nil else {
        throw LSMErrors.invalid(op, "localhostProfile must be set only when type is Localhost", field: field / "localhostProfile")
      }
      return type == "Unconfined" ? .unconfined : .runtimeDefault(profileName: runtimeDefault.name, profileText: runtimeDefault.text)
    case "Localhost":
      guard let name = localhostProfile else {
        throw LSMErrors.invalid(op, "localhostProfile is required when type is Localhost", field: field / "localhostProfile")
      }
      try validateLocalhostName(name, field: field / "localhostProfile")
      return .localhost(name: name)
    default:
      throw LSMErrors.invalid(
        op, "unknown type \"\(type)\" (expected RuntimeDefault, Localhost or Unconfined)", field: field / "type")
    }
  }

  /// Parses the legacy annotation value.
  public static func fromAnnotation(
    _ value: String, runtimeDefault: AppArmorProfile, field: FieldPath
  ) throws -> AppArmorSelection {
    switch value {
    case "runtime/default": return .runtimeDefault(profileName: runtimeDefault.name, profileText: runtimeDefault.text)
    case "unconfined": return .unconfined
    default:
      guard value.hasPrefix("localhost/") else {
        throw LSMErrors.invalid(
          "parse AppArmor annotation",
          "invalid value \"\(value)\" (expected runtime/default, localhost/<profile> or unconfined)", field: field)
      }
      let name = String(value.dropFirst("localhost/".count))
      try validateLocalhostName(name, field: field)
      return .localhost(name: name)
    }
  }

  /// A loaded profile's name: non-empty, at most 4096 bytes, printable, no whitespace
  /// (what `/proc/self/attr/apparmor/exec` accepts after `exec `), and not the reserved `unconfined`.
  public static func validateLocalhostName(_ name: String, field: FieldPath) throws {
    let op = "parse AppArmor profile name"
    if name.isEmpty { throw LSMErrors.invalid(op, "localhost profile name is empty", field: field) }
    if name.utf8.count > 4096 { throw LSMErrors.invalid(op, "localhost profile name is too long", field: field) }
    if name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }) {
      throw LSMErrors.invalid(op, "localhost profile name \"\(name)\" contains whitespace or control characters", field: field)
    }
    if name == "unconfined" {
      throw LSMErrors.invalid(op, "use type Unconfined instead of a localhost profile named unconfined", field: field)
    }
  }
}
