import Crypto
import Foundation

extension ResolvedSeccompPolicy {
  /// The canonical JSON form: sorted keys, no insignificant whitespace, `/` unescaped.
  public func canonicalJSON() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  /// `sha256:<hex>` of ``canonicalJSON()``.
  public func digest() throws -> String { "sha256:" + SHA256Hex.of(try canonicalJSON()) }
}

/// Lower-case hex SHA-256.
enum SHA256Hex {
  static func of<D: DataProtocol>(_ data: D) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }
}
