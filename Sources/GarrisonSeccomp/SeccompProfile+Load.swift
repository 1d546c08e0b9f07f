#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import Glibc

/// Where seccomp profiles live: Garrison's `Policies/seccomp` directory and the Localhost profile root.
public struct SeccompProfileLocations: Sendable, Hashable {
  /// Directory holding `runtime-default.json` (normally `<Policies>/seccomp`).
  public var policyDirectory: String
  /// Root under which `Localhost` profiles are resolved (like kubelet's `<root>/seccomp`).
  public var localhostRoot: String

  public init(policyDirectory: String, localhostRoot: String) {
    self.policyDirectory = policyDirectory
    self.localhostRoot = localhostRoot
  }

  /// The file name of Garrison's RuntimeDefault profile inside ``policyDirectory``.
  public static let runtimeDefaultFileName = "runtime-default.json"
}

extension SeccompProfile {
  /// Loads the profile a selection names; returns nil for ``SeccompSelection/unconfined``.
  public static func load(
    _ selection: SeccompSelection, from locations: SeccompProfileLocations, field: FieldPath? = nil
  ) throws -> SeccompProfile? {
    switch selection {
    case .unconfined:
      return nil
    case .runtimeDefault:
      let path = locations.policyDirectory + "/" + SeccompProfileLocations.runtimeDefaultFileName
      return try load(path: path)
    case .localhost(let relative):
      let data = try LocalhostProfilePath.read(relative, under: locations.localhostRoot, field: field)
      return try decode(data, source: locations.localhostRoot + "/" + relative)
    }
  }

  /// Loads and validates a profile file.
  public static func load(path: String) throws -> SeccompProfile {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw GarrisonError(.notFound, operation: "read seccomp profile", "cannot read \(path): \(error)")
    }
    return try decode(data, source: path)
  }

  /// Decodes and validates profile JSON; errors name `source` and the JSON path (`syscalls[3].names[1]`).
  public static func decode(_ data: Data, source: String) throws -> SeccompProfile {
    let profile: SeccompProfile
    do {
      profile = try JSONDecoder().decode(SeccompProfile.self, from: data)
    } catch let error as DecodingError {
      throw SeccompDecodingErrors.garrisonError(error, source: source)
    }
    do {
      try profile.validate()
    } catch var error as GarrisonError {
      error.message = "\(source): \(error.message)"
      throw error
    }
    return profile
  }
}

/// Turns Foundation's `DecodingError` into a `GarrisonError` with a field path.
enum SeccompDecodingErrors {
  static func garrisonError(_ error: DecodingError, source: String) -> GarrisonError {
    let (path, message, code): ([any CodingKey], String, GarrisonError.Code)
    switch error {
    case .dataCorrupted(let c):
      let syntax = c.codingPath.isEmpty
      (path, message, code) = (
        c.codingPath, syntax ? "invalid JSON: \(c.underlyingError.map { "\($0)" } ?? c.debugDescription)" : c.debugDescription,
        syntax ? .syntax : .invalid
      )
    case .keyNotFound(let key, let c):
      (path, message, code) = (c.codingPath + [key], "required field \"\(key.stringValue)\" is missing", .invalid)
    case .typeMismatch(_, let c):
      (path, message, code) = (c.codingPath, c.debugDescription, .invalid)
    case .valueNotFound(_, let c):
      (path, message, code) = (c.codingPath, c.debugDescription, .invalid)
    @unknown default:
      (path, message, code) = ([], "\(error)", .invalid)
    }
    return GarrisonError(code, operation: "decode seccomp profile", "\(source): \(message)", field: fieldPath(path))
  }

  static func fieldPath(_ keys: [any CodingKey]) -> FieldPath {
    FieldPath(keys.map { key in key.intValue.map { .index($0) } ?? .field(key.stringValue) })
  }
}
