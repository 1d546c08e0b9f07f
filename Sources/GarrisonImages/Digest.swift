import Crypto
import GarrisonCore

/// A content digest in OCI form, `sha256:<64 lowercase hex>`; only sha256 is accepted.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
  /// The 64 lowercase hex characters after `sha256:`.
  public let hex: String

  /// Parses `sha256:<hex>`; anything else (other algorithms, wrong length, upper case) is refused.
  public init(parsing text: String) throws {
    guard text.hasPrefix("sha256:") else {
      throw GarrisonError(.invalid, operation: "parse digest", "unsupported digest `\(text)` (only sha256 is accepted)")
    }
    try self.init(hex: String(text.dropFirst("sha256:".count)))
  }

  /// Wraps 64 lowercase hex characters.
  public init(hex: String) throws {
    guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
      throw GarrisonError(.invalid, operation: "parse digest", "malformed sha256 digest `\(hex)`")
    }
    self.hex = hex
  }

  /// `sha256:<hex>`.
  public var description: String { "sha256:\(hex)" }
  /// The first 12 hex characters, as `image ls` prints them.
  public var short: String { String(hex.prefix(12)) }

  public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

  public init(from decoder: any Decoder) throws {
    try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }

  /// The digest of an in-memory buffer.
  public static func of(_ bytes: some Sequence<UInt8>) -> Digest {
    var h = DigestHasher()
    h.update(Array(bytes))
    return h.finalize()
  }
}

/// Incremental sha256 that also counts bytes, for verifying a blob against its descriptor.
public struct DigestHasher {
  private var hasher = SHA256()
  /// Bytes hashed so far.
  public private(set) var count: Int64 = 0

  public init() {}

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    hasher.update(bufferPointer: bytes)
    count += Int64(bytes.count)
  }
  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  public func finalize() -> Digest {
    let hex = hasher.finalize().map { byte -> String in
      let s = String(byte, radix: 16)
      return s.count == 1 ? "0" + s : s
    }.joined()
    // The hash always yields 64 lowercase hex characters.
    return try! Digest(hex: hex)
  }
}
