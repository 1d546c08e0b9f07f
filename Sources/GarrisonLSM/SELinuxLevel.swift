import Crypto
import GarrisonCore

/// SELinux MLS/MCS levels: syntax checks and Garrison's per-pod MCS level.
///
/// Syntax: `s<N>` or `s<N>-s<M>` (M ≥ N), optionally followed by `:` and a comma-separated category
/// list where each item is `c<K>` or a range `c<K>.c<L>` (K < L), categories 0…1023 in ascending order.
///
/// Per-pod level: `s0:c<a>,c<b>` with two distinct categories a < b in 0…1023, derived from
/// SHA-256(`pod UID`): the digest is read as big-endian 16-bit words; the first word mod 1024 gives one
/// category and the first later word whose value mod 1024 differs gives the other (1024 divides 65536, so
/// there is no modulo bias). There are 523 776 such pairs; two pods collide with probability ~1/523 776,
/// so a caller that knows the levels already in use on the node passes them as `avoiding`, and Garrison
/// then hashes `pod UID + "#" + attempt` for attempt = 1, 2, … until the level is free (still deterministic).
public enum SELinuxLevel {
  /// The number of MCS categories Garrison draws from (c0…c1023, the default `mcs_num_cats`).
  public static let categoryCount = 1024

  /// The deterministic MCS level for a pod, skipping any level in `avoiding`.
  public static func forPod(uid: String, avoiding inUse: Set<String> = []) throws -> String {
    guard !uid.isEmpty else { throw LSMErrors.invalid("derive MCS level", "pod UID is empty") }
    for attempt in 0..<4096 {
      let seed = attempt == 0 ? uid : "\(uid)#\(attempt)"
      if let level = level(fromSeed: seed), !inUse.contains(level) { return level }
    }
    throw GarrisonError(.refused, operation: "derive MCS level", "no free MCS level for pod \(uid) after 4096 attempts")
  }

  static func level(fromSeed seed: String) -> String? {
    let digest = Array(SHA256.hash(data: Array(seed.utf8)))
    let words = stride(from: 0, to: digest.count, by: 2).map { (Int(digest[$0]) << 8 | Int(digest[$0 + 1])) % categoryCount }
    guard let first = words.first, let second = words.dropFirst().first(where: { $0 != first }) else { return nil }
    return "s0:c\(min(first, second)),c\(max(first, second))"
  }

  /// Throws unless `level` is a valid MLS/MCS level (see the type's documentation).
  public static func validate(_ level: String, field: FieldPath? = nil) throws {
    func fail(_ why: String) -> GarrisonError {
      LSMErrors.invalid("parse SELinux level", "invalid SELinux level \"\(level)\": \(why)", field: field)
    }
    let parts = level.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    let range = parts[0].split(separator: "-", omittingEmptySubsequences: false)
    guard range.count <= 2 else { throw fail("more than one '-' in the sensitivity range") }
    var sensitivities: [Int] = []
    for s in range {
      guard let n = number(after: "s", in: s) else { throw fail("expected s<N>, found \"\(s)\"") }
      sensitivities.append(n)
    }
    if sensitivities.count == 2 && sensitivities[1] < sensitivities[0] { throw fail("high sensitivity below low") }
    guard parts.count == 2 else { return }
    var previous = -1
    for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
      let ends = item.split(separator: ".", omittingEmptySubsequences: false)
      guard ends.count <= 2 else { throw fail("bad category range \"\(item)\"") }
      var values: [Int] = []
      for e in ends {
        guard let c = number(after: "c", in: e), c < categoryCount else { throw fail("expected c<0…1023>, found \"\(e)\"") }
        values.append(c)
      }
      guard values[0] > previous, values.last! >= values[0], values.count == 1 || values[1] > values[0] else {
        throw fail("categories must be distinct and ascending")
      }
      previous = values.last!
    }
  }

  private static func number(after prefix: Character, in text: Substring) -> Int? {
    guard text.first == prefix else { return nil }
    let digits = text.dropFirst()
    guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int(digits)
  }
}
