#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A compiled classic-BPF seccomp program: the raw `struct sock_filter` array (8 bytes per instruction,
/// host byte order) as libseccomp exported it, ready for `seccomp(SECCOMP_SET_MODE_FILTER)`.
public struct BPFProgram: Codable, Sendable, Hashable {
  /// The raw `sock_filter` bytes.
  public var bytes: [UInt8]
  /// `sha256:<hex>` of ``bytes``.
  public var sha256: String
  /// Flags the installer must pass to seccomp(2); they are not part of the program.
  public var filterFlags: [SeccompFilterFlag]

  /// Wraps raw bytes; throws unless they are a whole number of instructions (1…4096, the kernel's BPF_MAXINSNS).
  public init(bytes: [UInt8], filterFlags: [SeccompFilterFlag] = []) throws {
    guard !bytes.isEmpty, bytes.count % 8 == 0, bytes.count / 8 <= 4096 else {
      throw GarrisonErrorFactory.invalid(
        "load BPF program", "\(bytes.count) bytes is not a valid sock_filter array (8-byte instructions, at most 4096)")
    }
    self.bytes = bytes
    self.sha256 = "sha256:" + SHA256Hex.of(bytes)
    self.filterFlags = filterFlags
  }

  enum CodingKeys: String, CodingKey { case bytes, sha256, filterFlags }

  /// Decoding re-checks the instruction framing and that `sha256` matches the bytes (fail closed on a
  /// tampered or truncated plan).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(
      bytes: try c.decode([UInt8].self, forKey: .bytes),
      filterFlags: try c.decode([SeccompFilterFlag].self, forKey: .filterFlags))
    let claimed = try c.decode(String.self, forKey: .sha256)
    guard claimed == sha256 else {
      throw DecodingError.dataCorruptedError(
        forKey: .sha256, in: c, debugDescription: "BPF program digest \(claimed) does not match its bytes (\(sha256))")
    }
  }

  /// The program decoded into instructions (fields in host byte order, as the kernel reads them).
  public var instructions: [BPFInstruction] {
    bytes.withUnsafeBytes { raw in
      stride(from: 0, to: raw.count, by: 8).map { i in
        BPFInstruction(
          code: raw.loadUnaligned(fromByteOffset: i, as: UInt16.self), jt: raw[i + 2], jf: raw[i + 3],
          k: raw.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
      }
    }
  }

  /// The combined `flags` bit mask for seccomp(2).
  public var flagBits: UInt32 { filterFlags.reduce(0) { $0 | $1.bit } }
}

/// One classic BPF instruction (`struct sock_filter`).
public struct BPFInstruction: Hashable, Sendable {
  public var code: UInt16
  public var jt: UInt8
  public var jf: UInt8
  public var k: UInt32

  public init(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32) {
    self.code = code
    self.jt = jt
    self.jf = jf
    self.k = k
  }
}
