import GarrisonCore

/// Which seccomp profile a container asked for: the `seccompProfile` field `{type, localhostProfile}` or
/// the legacy annotation value (`runtime/default`, `docker/default`, `localhost/<path>`, `unconfined`).
public enum SeccompSelection: Hashable, Sendable, Codable {
  /// Garrison's own default profile, `Policies/seccomp/runtime-default.json`.
  case runtimeDefault
  /// A profile file at this path relative to the configured Localhost profile root.
  case localhost(String)
  /// No seccomp filter at all.
  case unconfined

  /// Parses the `seccompProfile` field; `field` is its path, used in errors.
  public static func fromField(type: String, localhostProfile: String?, field: FieldPath) throws -> SeccompSelection {
    switch type {
    case "RuntimeDefault":
      guard localhostProfile == nil else {
        throw GarrisonErrorFactory.invalid(
          "parse seccompProfile", "localhostProfile must be set only when type is Localhost",
          field: field / "localhostProfile")
      }
      return .runtimeDefault
    case "Unconfined":
      guard localhostProfile == nil else {
        throw GarrisonErrorFactory.invalid(
          "parse seccompProfile", "localhostProfile must be set only when type is Localhost",
          field: field / "localhostProfile")
      }
      return .unconfined
    case "Localhost":
      guard let path = localhostProfile, !path.isEmpty else {
        throw GarrisonErrorFactory.invalid(
          "parse seccompProfile", "localhostProfile is required when type is Localhost",
          field: field / "localhostProfile")
      }
      try LocalhostProfilePath.validate(path, field: field / "localhostProfile")
      return .localhost(path)
    default:
      throw GarrisonErrorFactory.invalid(
        "parse seccompProfile", "unknown type \"\(type)\" (expected RuntimeDefault, Localhost or Unconfined)",
        field: field / "type")
    }
  }

  /// Parses the legacy annotation value (`seccomp.security.alpha.kubernetes.io/pod` and `container.…/<name>`).
  public static func fromAnnotation(_ value: String, field: FieldPath) throws -> SeccompSelection {
    switch value {
    case "runtime/default", "docker/default": return .runtimeDefault
    case "unconfined": return .unconfined
    default:
      guard value.hasPrefix("localhost/") else {
        throw GarrisonErrorFactory.invalid(
          "parse seccomp annotation",
          "invalid value \"\(value)\" (expected runtime/default, localhost/<path> or unconfined)", field: field)
      }
      let path = String(value.dropFirst("localhost/".count))
      try LocalhostProfilePath.validate(path, field: field)
      return .localhost(path)
    }
  }
}
