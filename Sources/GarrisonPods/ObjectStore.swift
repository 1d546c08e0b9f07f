import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonManifest

/// A ConfigMap or Secret kept under the state root so pods applied now or later can mount it.
public struct StoredObject: Codable, Sendable, Equatable {
  public var kind: String
  public var namespace: String
  public var name: String
  /// Keys → bytes (Secret `data` decoded from base64; `stringData` merged over it, as the API server does).
  public var data: [String: Data]
}

/// `<root>/objects/<namespace>/<kind>/<name>.json`.
public struct ObjectStore: Sendable {
  public let root: String
  public init(root: String) { self.root = root }

  /// The file of an object. The namespace and name come from manifests (`secret.secretName` names another
  /// object): each must be one plain file name, so `../../other-namespace/secret/x` is refused, never opened.
  func path(_ kind: String, _ ns: String, _ name: String) throws -> String {
    for part in [ns, name] { try ContainedPath.name(part, operation: "find \(kind)") }
    return "\(root)/objects/\(ns)/\(kind.lowercased())/\(name).json"
  }

  /// Stores a ConfigMap or Secret; returns `created`, `configured` or `unchanged`.
  @discardableResult
  public func save(_ o: ManifestObject) throws -> String {
    guard let name = o.metadata.name else {
      throw GarrisonError(.invalid, "Required value: name", field: FieldPath("metadata.name"), at: o.location)
    }
    var data: [String: Data] = [:]
    for (k, v) in o.data {
      try Self.checkKey(k, o)
      if o.kind == "Secret" {
        guard let d = Data(base64Encoded: v.filter { !$0.isWhitespace }) else {
          throw GarrisonError(.invalid, "Invalid value: data[\(k)] is not base64", field: FieldPath("data"), at: o.location)
        }
        data[k] = d
      } else {
        data[k] = Data(v.utf8)
      }
    }
    for (k, v) in o.stringData {
      try Self.checkKey(k, o)
      data[k] = Data(v.utf8)
    }
    let obj = StoredObject(kind: o.kind, namespace: o.namespace, name: name, data: data)
    let file = try path(o.kind, o.namespace, name)
    let old = try JSONFile.read(StoredObject.self, from: file)
    if old == obj { return "unchanged" }
    // Secrets live here: owner-only directory and file.
    try StateDirectory.ensure(root, mode: 0o711, createParents: true)
    for dir in ["/objects", "/objects/\(o.namespace)", "/objects/\(o.namespace)/\(o.kind.lowercased())"] {
      try StateDirectory.ensure(root + dir, mode: 0o700)
    }
    try JSONFile.write(obj, to: file, mode: 0o600)
    return old == nil ? "created" : "configured"
  }

  public func load(kind: String, namespace: String, name: String) throws -> StoredObject? {
    try JSONFile.read(StoredObject.self, from: try path(kind, namespace, name))
  }

  /// Removes a stored object; false when there is none (an impossible name names none).
  public func delete(kind: String, namespace: String, name: String) -> Bool {
    guard let file = try? path(kind, namespace, name) else { return false }
    return unlink(file) == 0
  }

  static func checkKey(_ k: String, _ o: ManifestObject) throws {
    let ok =
      !k.isEmpty && k.count <= 253 && k != "." && k != ".." && !k.hasPrefix("..")
      && k.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
    if !ok {
      throw GarrisonError(
        .invalid, "Invalid value: \"\(k)\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        field: FieldPath("data"), at: o.location)
    }
  }
}
