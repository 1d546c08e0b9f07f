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

  /// A chain hash begun over a record's leading bytes (on the appender's thread, `RecordDraft`), which the
  /// commit finishes over the rest (`finish`): only the bytes after the head are hashed in the serial part.
  struct Partial: @unchecked Sendable {  // value types with copy-on-write state
    fileprivate var sha: SHA256?
    fileprivate var hmac: HMAC<SHA256>?

    /// Writes the lowercase hex chain hash of the bytes this began with followed by `rest` to `hex` (64 bytes).
    /// Once: the state is updated in place (a copy of a shared state would cost an allocation per record).
    mutating func finish(_ rest: UnsafeBufferPointer<UInt8>, hexInto hex: UnsafeMutableBufferPointer<UInt8>) {
      precondition(hex.count == 64)
      func write(_ digest: UnsafeRawBufferPointer) {
        for k in 0..<32 {
          hex[2 * k] = JSONValue.hexDigits[Int(digest[k] >> 4)]
          hex[2 * k + 1] = JSONValue.hexDigits[Int(digest[k] & 0xF)]
        }
      }
      if hmac != nil {
        hmac!.update(data: UnsafeRawBufferPointer(rest))
        hmac!.finalize().withUnsafeBytes(write)
      } else if sha != nil {
        sha!.update(bufferPointer: UnsafeRawBufferPointer(rest))
        sha!.finalize().withUnsafeBytes(write)
      }
    }
  }

  /// The hash state after `bytes`.
  func begin(_ bytes: UnsafeBufferPointer<UInt8>) -> Partial {
    let raw = UnsafeRawBufferPointer(bytes)
    if let key {
      var h = HMAC<SHA256>(key: key)
      h.update(data: raw)
      return Partial(sha: nil, hmac: h)
    }
    var h = SHA256()
    h.update(bufferPointer: raw)
    return Partial(sha: h, hmac: nil)
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
