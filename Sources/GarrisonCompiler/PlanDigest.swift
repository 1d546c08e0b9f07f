import Crypto
import Foundation
import GarrisonPlan

/// Canonical JSON (sorted keys, no whitespace, unescaped slashes) and its SHA-256.
public enum CanonicalJSON {
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try e.encode(value)
  }

  /// Human-readable, still key-sorted (for files people read).
  public static func pretty<T: Encodable>(_ value: T) throws -> Data {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
    return try e.encode(value)
  }

  public static func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }
}

/// The plan's content hash: SHA-256 over its canonical JSON with `digest` absent.
public enum PlanDigest {
  public static func digest(of plan: EnforcementPlan) throws -> String {
    var p = plan
    p.digest = nil
    return "sha256:" + CanonicalJSON.sha256Hex(try CanonicalJSON.encode(p))
  }

  /// Whether a plan's recorded digest matches its content.
  public static func verify(_ plan: EnforcementPlan) throws -> Bool { try plan.digest == digest(of: plan) }
}

/// A pod UID when the manifest gives none: a UUID-shaped SHA-256 of `namespace/name` (and of the pod store, when
/// given), stable across runs.
public enum PodUID {
  public static func derive(namespace: String, name: String, scope: String? = nil) -> String {
    let key = scope.map { "garrison-pod:\($0.utf8.count):\($0):\(namespace)/\(name)" } ?? "garrison-pod:\(namespace)/\(name)"
    let h = Array(SHA256.hash(data: Data(key.utf8)))
    let hex = h.prefix(16).map { String(format: "%02x", $0) }.joined()
    let c = Array(hex)
    return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
  }
}
