import GarrisonCore

/// What the verifier learns from one stored line on its own — its frame, its record, whether the record is
/// canonical, its chain hash — independent of every other line, so the lines of a segment can be checked on
/// several threads and only the links between them (sequence numbers, `prev` hashes) are followed in order.
struct LineCheck {
  /// Why the line is bad on its own, in the order the verifier reports problems.
  enum Failure {
    case frame(String)
    case unreadable(String)
    case notCanonical
  }

  var failure: Failure?
  var seq: UInt64 = 0
  /// The record's `chain` when it is not the verifier's algorithm.
  var otherChain: String?
  /// Whether `prev` is 64 lowercase hex digits (its bytes are then in the caller's `prev` slot).
  var prevIsHex = false
  var isCheckpoint = false
  var checkpointCovers: Int64?
  var checkpointHead: String?

  /// Checks `line` (without its newline); writes the record's chain hash to `hash` and its decoded `prev` to
  /// `prev` (32 bytes each).
  static func check(
    _ line: UnsafeBufferPointer<UInt8>, hasher: ChainHasher,
    hash: UnsafeMutablePointer<UInt8>, prev: UnsafeMutablePointer<UInt8>
  ) -> LineCheck {
    var c = LineCheck()
    let range: Range<Int>
    switch RecordFrame.unframe(line) {
    case .success(let r): range = r
    case .failure(let f):
      c.failure = .frame(f.description)
      return c
    }
    let body = UnsafeBufferPointer(rebasing: line[range])
    var prevRange: Range<Int>? = nil
    var chain = ""
    if let fast = Fast.read(body) {
      c.seq = fast.seq
      chain = fast.chain
      prevRange = fast.prev
    } else {
      // The authority: parse, decode, and compare the canonical form byte for byte.
      let json: JSONValue
      let record: AuditRecord
      do throws(GarrisonError) {
        json = try JSONParser.parse(body)
        record = try AuditRecord(json: json)
      } catch {
        c.failure = .unreadable(error.message)
        return c
      }
      c.seq = record.seq
      guard json.canonicalBytes.elementsEqual(body) else {
        c.failure = .notCanonical
        return c
      }
      chain = record.chain
      if record.kind == .auditCheckpoint {
        c.isCheckpoint = true
        c.checkpointCovers = record.details["covers_seq"]?.intValue
        c.checkpointHead = record.details["head"]?.stringValue
      }
      c.prevIsHex = decodeHex(Array(record.prev.utf8), into: prev)
    }
    if chain != hasher.algorithm { c.otherChain = chain }
    if let prevRange {
      c.prevIsHex = decodeHex(UnsafeBufferPointer(rebasing: body[prevRange]), into: prev)
    }
    hasher.digest(body, into: hash)
    return c
  }

  static func decodeHex(_ hex: [UInt8], into out: UnsafeMutablePointer<UInt8>) -> Bool {
    hex.withUnsafeBufferPointer { decodeHex($0, into: out) }
  }

  /// Decodes 64 lowercase hex digits into 32 bytes at `out`; false (with `out` partly written) for anything else.
  static func decodeHex(_ hex: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
    guard hex.count == 64 else { return false }
    return hexValues.withUnsafeBufferPointer { table in
      var bad: UInt8 = 0
      for k in 0..<32 {
        let high = table[Int(hex[2 * k])]
        let low = table[Int(hex[2 * k + 1])]
        bad |= high | low
        out[k] = high << 4 | (low & 0x0F)
      }
      return bad & 0xF0 == 0
    }
  }

  /// Each byte's value as a lowercase hex digit, or 0xFF.
  private static let hexValues: [UInt8] = (0..<256).map { b in
    switch b {
    case 0x30...0x39: return UInt8(b - 0x30)
    case 0x61...0x66: return UInt8(b - 0x61 + 10)
    default: return 0xFF
    }
  }

  /// The fast path: a record `CanonicalJSONScanner` proves canonical, whose fields are all plainly valid, and
  /// which is not a checkpoint. Anything else returns nil and takes the authoritative path above.
  enum Fast {
    struct Fields {
      var seq: UInt64
      var chain: String
      var prev: Range<Int>
    }

    static func read(_ body: UnsafeBufferPointer<UInt8>) -> Fields? {
      guard let members = CanonicalJSONScanner.members(body) else { return nil }
      var v: Int64?, seq: Int64?
      var time: Range<Int>?, kind: Range<Int>?, outcome: Range<Int>?, prev: Range<Int>?, chain: Range<Int>?, host: Range<Int>?
      var actor = false, object = false, details = false
      for m in members {
        switch body[m.key.lowerBound] {
        case UInt8(ascii: "a") where equals(body, m.key, "actor"): actor = true
        case UInt8(ascii: "c") where equals(body, m.key, "chain"): chain = CanonicalJSONScanner.plainString(body, m.value)
        case UInt8(ascii: "d") where equals(body, m.key, "details"): details = true
        case UInt8(ascii: "h") where equals(body, m.key, "host"): host = CanonicalJSONScanner.plainString(body, m.value)
        case UInt8(ascii: "k") where equals(body, m.key, "kind"): kind = CanonicalJSONScanner.plainString(body, m.value)
        case UInt8(ascii: "o") where equals(body, m.key, "object"): object = true
        case UInt8(ascii: "o") where equals(body, m.key, "outcome"): outcome = CanonicalJSONScanner.plainString(body, m.value)
        case UInt8(ascii: "p") where equals(body, m.key, "prev"): prev = CanonicalJSONScanner.plainString(body, m.value)
        case UInt8(ascii: "s") where equals(body, m.key, "seq"): seq = CanonicalJSONScanner.integer(body, m.value)
        case UInt8(ascii: "t") where equals(body, m.key, "time"): time = CanonicalJSONScanner.plainString(body, m.value)
        case UInt8(ascii: "v") where equals(body, m.key, "v"): v = CanonicalJSONScanner.integer(body, m.value)
        default: break
        }
      }
      guard v == AuditRecord.version, let seq, seq > 0, let time, let kind, let outcome, let prev, let chain, host != nil,
        actor, object, details
      else { return nil }
      func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: body[r]), as: UTF8.self) }
      guard let k = AuditKind(rawValue: text(kind)), k != .auditCheckpoint, AuditOutcome(rawValue: text(outcome)) != nil else {
        return nil
      }
      do { _ = try AuditTime(rfc3339: text(time)) } catch { return nil }
      return Fields(seq: UInt64(seq), chain: text(chain), prev: prev)
    }

    static func equals(_ body: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ word: StaticString) -> Bool {
      guard r.count == word.utf8CodeUnitCount else { return false }
      let w = word.utf8Start
      for k in 0..<r.count where body[r.lowerBound + k] != w[k] { return false }
      return true
    }
  }
}
