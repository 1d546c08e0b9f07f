import GarrisonCore
/// The framing of one stored record: a JSON Lines line
/// `{"crc32":"<8 hex>","len":<n>,"record":<n bytes of canonical record>}` + `\n`.
/// The length and CRC-32 over the record bytes make a torn or damaged write detectable without trusting
/// the JSON parser; the line is still plain JSON for `jq` and friends.
public enum RecordFrame {
  static let prefix: [UInt8] = Array(#"{"crc32":""#.utf8)
  static let lenKey: [UInt8] = Array(#"","len":"#.utf8)
  static let recordKey: [UInt8] = Array(#","record":"#.utf8)

  /// Appends the start of a line framing a record of `length` bytes with its CRC-32 left blank, and returns where
  /// the CRC goes (`setCRC`). The caller appends the record's bytes, then `close` (the audit log's commit writes
  /// records straight into its write buffer).
  static func open(length: Int, into out: inout [UInt8]) -> Int {
    out.append(contentsOf: prefix)
    let crcAt = out.count
    out.append(contentsOf: blankCRC)
    out.append(contentsOf: lenKey)
    JSONValue.writeDecimal(UInt64(length), into: &out)
    out.append(contentsOf: recordKey)
    return crcAt
  }

  /// Ends a line begun by `open`.
  static func close(into out: inout [UInt8]) {
    out.append(UInt8(ascii: "}"))
    out.append(0x0A)
  }

  /// Fills in the CRC-32 left blank by `open` at `offset`.
  static func setCRC(_ crc: UInt32, at offset: Int, in line: UnsafeMutableBufferPointer<UInt8>) {
    for k in 0..<8 { line[offset + k] = JSONValue.hexDigits[Int((crc >> UInt32(28 - 4 * k)) & 0xF)] }
  }

  private static let blankCRC = [UInt8](repeating: UInt8(ascii: "0"), count: 8)

  /// Frames canonical record bytes into a full line (with trailing newline).
  public static func frame(_ body: [UInt8]) -> [UInt8] {
    var out = prefix
    out.reserveCapacity(body.count + 48)
    let crc = CRC32.checksum(body)
    for shift in stride(from: 28, through: 0, by: -4) { out.append(JSONValue.hexDigits[Int((crc >> UInt32(shift)) & 0xF)]) }
    out.append(contentsOf: lenKey)
    out.append(contentsOf: String(body.count).utf8)
    out.append(contentsOf: recordKey)
    out.append(contentsOf: body)
    out.append(UInt8(ascii: "}"))
    out.append(0x0A)
    return out
  }

  /// Why a line is not a valid frame.
  public enum Failure: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case lengthMismatch(declared: Int, available: Int)
    case checksumMismatch

    public var description: String {
      switch self {
      case .malformed(let why): return "malformed frame: \(why)"
      case .lengthMismatch(let d, let a): return "frame length \(d) does not match the \(a) record bytes present"
      case .checksumMismatch: return "CRC-32 mismatch"
      }
    }
  }

  /// Checks one line (without its newline) and returns the range of the record bytes within `line`.
  public static func unframe(_ line: UnsafeBufferPointer<UInt8>) -> Result<Range<Int>, Failure> {
    var i = 0
    func expect(_ lit: [UInt8]) -> Bool {
      guard i + lit.count <= line.count else { return false }
      for j in 0..<lit.count where line[i + j] != lit[j] { return false }
      i += lit.count
      return true
    }
    guard expect(prefix) else { return .failure(.malformed("missing {\"crc32\":\" prefix")) }
    var crc: UInt32 = 0
    for _ in 0..<8 {
      guard i < line.count else { return .failure(.malformed("short checksum")) }
      let c = line[i]
      i += 1
      switch c {
      case 0x30...0x39: crc = crc << 4 | UInt32(c - 0x30)
      case 0x61...0x66: crc = crc << 4 | UInt32(c - 0x61 + 10)
      default: return .failure(.malformed("checksum is not lowercase hex"))
      }
    }
    guard expect(lenKey) else { return .failure(.malformed("missing \"len\"")) }
    var len = 0
    let digitsStart = i
    while i < line.count, line[i] >= 0x30 && line[i] <= 0x39, i - digitsStart < 10 {
      len = len * 10 + Int(line[i] - 0x30)
      i += 1
    }
    guard i > digitsStart, !(line[digitsStart] == 0x30 && i - digitsStart > 1) else {
      return .failure(.malformed("bad length"))
    }
    guard expect(recordKey) else { return .failure(.malformed("missing \"record\"")) }
    let available = line.count - i - 1
    guard available == len, line.count > i, line[line.count - 1] == UInt8(ascii: "}") else {
      return .failure(.lengthMismatch(declared: len, available: max(0, available)))
    }
    let range = i..<(i + len)
    guard CRC32.checksum(UnsafeBufferPointer(rebasing: line[range])) == crc else { return .failure(.checksumMismatch) }
    return .success(range)
  }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as used by zlib and gzip; slicing-by-16.
enum CRC32 {
  /// Sixteen 256-entry tables: `tables[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes.
  static let tables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 16 * 256)
    for n in 0..<256 {
      var c = UInt32(n)
      for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
      t[n] = c
    }
    for n in 0..<256 {
      for k in 1..<16 { t[k * 256 + n] = (t[(k - 1) * 256 + n] >> 8) ^ t[Int(t[(k - 1) * 256 + n] & 0xFF)] }
    }
    return t
  }()

  static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBufferPointer { checksum($0) } }

  static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 { update(initial, bytes) ^ 0xFFFF_FFFF }

  /// The register before any byte; `update` continues it, and the checksum is the final register `^ 0xFFFF_FFFF`.
  static let initial: UInt32 = 0xFFFF_FFFF

  /// The register after `bytes`, from `register` (a checksum computed in parts: the audit log's drafts).
  static func update(_ register: UInt32, _ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { update(register, $0) }
  }

  static func update(_ register: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    guard let base = bytes.baseAddress else { return register }
    var c = register
    tables.withUnsafeBufferPointer { t in
      let raw = UnsafeRawPointer(base)
      func word(_ at: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
      func lookup(_ w: UInt32, _ table: Int) -> UInt32 {
        t[(table + 3) * 256 + Int(w & 0xFF)] ^ t[(table + 2) * 256 + Int((w >> 8) & 0xFF)]
          ^ t[(table + 1) * 256 + Int((w >> 16) & 0xFF)] ^ t[table * 256 + Int(w >> 24)]
      }
      var i = 0
      let n = bytes.count
      while i + 16 <= n {
        c = lookup(c ^ word(i), 12) ^ lookup(word(i + 4), 8) ^ lookup(word(i + 8), 4) ^ lookup(word(i + 12), 0)
        i += 16
      }
      while i < n {
        c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
        i += 1
      }
    }
    return c
  }
}
