import Crypto
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

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
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in SHA256.hash(data: data) {
      hex.append(digits[Int(byte >> 4)])
      hex.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: hex, as: UTF8.self)
  }
}
