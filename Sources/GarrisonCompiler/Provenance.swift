import GarrisonCore

/// Why a plan setting has its value: a manifest field (with its position) or a named default.
public struct Provenance: Equatable, Sendable, Codable, CustomStringConvertible {
  /// The plan setting, e.g. `process.user.uid`.
  public var setting: String
  /// The value, as text.
  public var value: String
  /// The field that produced it (absolute field path in the object), if any.
  public var field: FieldPath?
  public var location: SourceLocation?
  /// The default or rule that produced it when no field did, e.g. "containerd default capability set".
  public var rule: String?

  public var description: String {
    if let field {
      return "\(field)" + (location.map { " (\($0.line):\($0.column))" } ?? "")
    }
    return rule ?? "default"
  }
}

/// Collects provenance entries while one container compiles.
struct ProvenanceRecorder {
  let object: GarrisonManifest.ManifestObject
  var entries: [Provenance] = []

  mutating func field(_ setting: String, _ value: String, _ path: FieldPath) {
    entries.append(Provenance(setting: setting, value: value, field: path, location: object.location(of: path), rule: nil))
  }
  mutating func rule(_ setting: String, _ value: String, _ rule: String) {
    entries.append(Provenance(setting: setting, value: value, field: nil, location: nil, rule: rule))
  }
}

import GarrisonManifest
