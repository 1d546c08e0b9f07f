/// Proves, in one pass over the bytes and without building a `JSONValue`, that a JSON object is already in
/// the canonical form `JSONValue.write` produces, and returns where its top-level members are. The audit
/// verifier's fast path: a record accepted here parses (`JSONParser`) to a value whose `canonicalBytes` are
/// exactly these bytes.
///
/// The scanner only ever says "canonical" or "not sure": anything outside the plain subset it can prove —
/// non-ASCII text, a fraction or exponent, an integer of more than 18 digits, an escaped key, deep nesting —
/// returns nil, and the caller takes the full parse-and-reserialise path, which decides. It accepts: no
/// whitespace; object keys strictly increasing by bytes (so no duplicates); strings whose only escapes are the
/// ones the writer makes (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and `\u00xx` in lowercase hex for the other
/// control bytes) and with no raw control byte; integers `0` or `-?[1-9][0-9]*`; `true`, `false`, `null`.
public enum CanonicalJSONScanner {
  /// One top-level member: the key's bytes (between the quotes; never escaped) and the value's bytes.
  public struct Member: Sendable, Equatable {
    public var key: Range<Int>
    public var value: Range<Int>
  }

  /// The deepest nesting the scanner follows (below `JSONParser.maxDepth`, so the parser never refuses what
  /// the scanner accepted).
  public static let maxDepth = 64

  /// The top-level members of `bytes` when it is a canonical JSON object the scanner can prove; nil otherwise.
  public static func members(_ bytes: UnsafeBufferPointer<UInt8>) -> [Member]? {
    var s = Scan(b: bytes)
    var top: [Member]? = []
    top?.reserveCapacity(12)
    guard s.object(depth: 1, members: &top), s.i == bytes.count else { return nil }
    return top
  }

  /// The value of a canonical integer member (as `members` accepted it).
  public static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
    var i = range.lowerBound
    guard i < range.upperBound else { return nil }
    let negative = bytes[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    guard i < range.upperBound else { return nil }
    var v: Int64 = 0
    while i < range.upperBound {
      let c = bytes[i]
      guard c >= 0x30 && c <= 0x39 else { return nil }
      v = v * 10 + Int64(c - 0x30)
      i += 1
    }
    return negative ? -v : v
  }

  /// The content of a string member without escapes (nil if it has any, or is not a string).
  public static func plainString(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
    guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\""), bytes[range.upperBound - 1] == UInt8(ascii: "\"") else {
      return nil
    }
    let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
    for i in inner where bytes[i] == UInt8(ascii: "\\") { return nil }
    return inner
  }

  private struct Scan {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0

    mutating func value(depth: Int) -> Bool {
      guard i < b.count else { return false }
      switch b[i] {
      case UInt8(ascii: "{"):
        var ignored: [Member]? = nil
        return object(depth: depth + 1, members: &ignored)
      case UInt8(ascii: "["): return array(depth: depth + 1)
      case UInt8(ascii: "\""): return string() != nil
      case UInt8(ascii: "t"): return literal("true")
      case UInt8(ascii: "f"): return literal("false")
      case UInt8(ascii: "n"): return literal("null")
      case UInt8(ascii: "-"), 0x30...0x39: return integer()
      default: return false
      }
    }

    /// `{` … `}` with strictly increasing plain keys; records the members when `members` is non-nil.
    mutating func object(depth: Int, members: inout [Member]?) -> Bool {
      guard depth <= CanonicalJSONScanner.maxDepth, i < b.count, b[i] == UInt8(ascii: "{") else { return false }
      i += 1
      guard i < b.count else { return false }
      if b[i] == UInt8(ascii: "}") {
        i += 1
        return true
      }
      var previous: Range<Int>? = nil
      while true {
        guard i < b.count, b[i] == UInt8(ascii: "\""), let key = string(), !key.escaped else { return false }
        if let p = previous, !Self.precedes(b, p, key.content) { return false }
        previous = key.content
        guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        let start = i
        guard value(depth: depth) else { return false }
        members?.append(Member(key: key.content, value: start..<i))
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        guard b[i] == UInt8(ascii: "}") else { return false }
        i += 1
        return true
      }
    }

    mutating func array(depth: Int) -> Bool {
      guard depth <= CanonicalJSONScanner.maxDepth else { return false }
      i += 1
      guard i < b.count else { return false }
      if b[i] == UInt8(ascii: "]") {
        i += 1
        return true
      }
      while true {
        guard value(depth: depth), i < b.count else { return false }
        if b[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        guard b[i] == UInt8(ascii: "]") else { return false }
        i += 1
        return true
      }
    }

    /// A string the writer would produce; `content` excludes the quotes.
    mutating func string() -> (content: Range<Int>, escaped: Bool)? {
      i += 1
      let start = i
      var escaped = false
      while i < b.count {
        // Eight bytes at a time while none is a quote, a backslash, a control byte or non-ASCII (most text);
        // the byte loop below decides everything else.
        while i + 8 <= b.count, !Self.mayEndOrEscape(UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
          i += 8
        }
        guard i < b.count else { break }
        let c = b[i]
        if c == UInt8(ascii: "\"") {
          i += 1
          return (start..<(i - 1), escaped)
        }
        if c < 0x20 || c >= 0x80 { return nil }
        if c == UInt8(ascii: "\\") {
          escaped = true
          guard i + 1 < b.count else { return nil }
          switch b[i + 1] {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"),
            UInt8(ascii: "b"), UInt8(ascii: "f"):
            i += 2
          case UInt8(ascii: "u"):
            // Only `\u00xx` for a control byte without a short escape, in lowercase hex.
            guard i + 5 < b.count, b[i + 2] == 0x30, b[i + 3] == 0x30,
              let hi = Self.lowerHex(b[i + 4]), let lo = Self.lowerHex(b[i + 5])
            else { return nil }
            let v = hi << 4 | lo
            guard v < 0x20, v != 0x08, v != 0x09, v != 0x0A, v != 0x0C, v != 0x0D else { return nil }
            i += 6
          default: return nil
          }
          continue
        }
        i += 1
      }
      return nil
    }

    /// Whether any byte of the word is `"`, `\\`, below 0x20 or at or above 0x80 (exact as a yes/no: the
    /// classic "has zero byte" and "has byte less than n" bit tricks).
    @inline(__always)
    static func mayEndOrEscape(_ w: UInt64) -> Bool {
      let ones: UInt64 = 0x0101_0101_0101_0101
      let highs: UInt64 = 0x8080_8080_8080_8080
      func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
      let control = (w &- ones &* 0x20) & ~w & highs != 0
      return w & highs != 0 || control || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C))
    }

    mutating func integer() -> Bool {
      let start = i
      if b[i] == UInt8(ascii: "-") { i += 1 }
      guard i < b.count else { return false }
      if b[i] == 0x30 {
        guard i - start == 0 else { return false }  // "-0" is written "0"
        i += 1
      } else {
        guard b[i] >= 0x31 && b[i] <= 0x39 else { return false }
        while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
      }
      guard i - start <= 18 else { return false }  // fits Int64 for sure; longer: the parser decides
      if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { return false }
      return true
    }

    mutating func literal(_ word: StaticString) -> Bool {
      let n = word.utf8CodeUnitCount
      guard i + n <= b.count else { return false }
      let w = word.utf8Start
      for k in 0..<n where b[i + k] != w[k] { return false }
      i += n
      return true
    }

    static func lowerHex(_ c: UInt8) -> UInt8? {
      switch c {
      case 0x30...0x39: return c - 0x30
      case 0x61...0x66: return c - 0x61 + 10
      default: return nil
      }
    }

    /// Whether key `a` sorts strictly before key `b` by bytes.
    static func precedes(_ buf: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
      let n = Swift.min(a.count, b.count)
      for k in 0..<n {
        let x = buf[a.lowerBound + k], y = buf[b.lowerBound + k]
        if x != y { return x < y }
      }
      return a.count < b.count
    }
  }
}
