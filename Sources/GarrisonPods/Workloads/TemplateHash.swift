import Foundation

/// The `pod-template-hash` of a pod template, computed the way Kubernetes' `controller.ComputeHash` does it —
/// FNV-32a over the template's printed form, then the collision count's 8 little-endian bytes if there is one,
/// then `rand.SafeEncodeString` of the decimal hash — and the random pod name suffixes of `generateName`.
///
/// What is approximated: Kubernetes prints the Go `PodTemplateSpec` struct with spew (`%#v`, sorted keys,
/// defaulted fields included); Garrison hashes the canonical JSON of `spec.template` as written (sorted keys, no
/// defaults). So the value has Kubernetes' form and properties (stable for an unchanged template, different
/// for a changed one) but is not the number a cluster would print for the same manifest.
public enum TemplateHash {
  /// Kubernetes' `rand` alphabet: no vowels (no words) and no confusable characters.
  public static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

  /// FNV-32a (`hash/fnv.New32a`).
  public static func fnv32a<S: Sequence>(_ bytes: S, seed: UInt32 = 2_166_136_261) -> UInt32 where S.Element == UInt8 {
    var h = seed
    for b in bytes {
      h ^= UInt32(b)
      h = h &* 16_777_619
    }
    return h
  }

  /// `rand.SafeEncodeString`: every byte mapped to `alphabet[byte % 27]`.
  public static func safeEncode(_ s: String) -> String {
    String(s.utf8.map { alphabet[Int($0) % alphabet.count] })
  }

  /// The hash of a template (canonical JSON text) and an optional collision count.
  public static func compute(template: String, collisionCount: Int32? = nil) -> String {
    var h = fnv32a(Array(template.utf8))
    if let c = collisionCount {
      let v = UInt32(bitPattern: c)
      let bytes: [UInt8] = [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24), 0, 0, 0, 0]
      h = fnv32a(bytes, seed: h)
    }
    return safeEncode(String(h))
  }

  /// `rand.String(n)` over the same alphabet: the suffix of a generated pod name.
  public static func randomSuffix(_ n: Int = 5) -> String {
    var g = SystemRandomNumberGenerator()
    return String((0..<n).map { _ in alphabet[Int(g.next(upperBound: UInt32(alphabet.count)))] })
  }

  /// `generateName` (`<base>-`) + 5 random characters, the prefix cut at 58 characters as the API server's
  /// `SimpleNameGenerator` does (so the name stays within 63).
  public static func generateName(_ base: String) -> String {
    String((base + "-").prefix(58)) + randomSuffix()
  }
}
