import GarrisonCore
import Crypto

/// Computes the chain hash of a record: SHA-256 of its canonical bytes, or HMAC-SHA-256 with a key
/// for keyed chains (then a forger without the key cannot rebuild the chain).
public struct ChainHasher: @unchecked Sendable {  // SymmetricKey is immutable
  /// The all-zero hash that the first record's `prev` carries.
  public static let genesis = String(repeating: "0", count: 64)

  let key: SymmetricKey?

  public init(hmacKey: [UInt8]?) { key = hmacKey.map { SymmetricKey(data: $0) } }

  /// The algorithm name recorded in every record's `chain` field.
  public var algorithm: String { key == nil ? "sha256" : "hmac-sha256" }

  /// The lowercase hex chain hash of `body`.
  public func hash(_ body: UnsafeBufferPointer<UInt8>) -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    digest.withUnsafeMutableBufferPointer { self.digest(body, into: $0.baseAddress!) }
    return digest.withUnsafeBufferPointer { Self.hex($0.baseAddress!) }
  }

  /// The lowercase hex chain hash of `body`.
  public func hash(_ body: [UInt8]) -> String { body.withUnsafeBufferPointer { hash($0) } }

  /// The 32 bytes of the chain hash of `body`, written to `out`.
  func digest(_ body: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) {
    func copy(_ bytes: UnsafeRawBufferPointer) {
      for k in 0..<32 { out[k] = bytes[k] }
    }
    if let key {
      HMAC<SHA256>.authenticationCode(for: UnsafeRawBufferPointer(body), using: key).withUnsafeBytes(copy)
    } else {
      SHA256.hash(data: UnsafeRawBufferPointer(body)).withUnsafeBytes(copy)
    }
  }

  /// Lowercase hex of 32 digest bytes.
  static func hex(_ digest: UnsafePointer<UInt8>) -> String {
    var out = [UInt8](repeating: 0, count: 64)
    for k in 0..<32 {
      out[2 * k] = JSONValue.hexDigits[Int(digest[k] >> 4)]
      out[2 * k + 1] = JSONValue.hexDigits[Int(digest[k] & 0xF)]
    }
    return String(decoding: out, as: UTF8.self)
  }
}
