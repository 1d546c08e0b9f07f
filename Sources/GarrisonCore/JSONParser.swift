/// A strict JSON parser over UTF-8 bytes (RFC 8259): no trailing garbage, no comments, no duplicate keys.
/// Linear in the input; arrays and objects nest at most `maxDepth` levels (it recurses once per level).
public struct JSONParser {
  /// The deepest nesting of arrays and objects accepted. Garrison's JSON (state, audit records, config.json)
  /// nests a few levels; deeper input is refused at the first collection too deep.
  public static let maxDepth = 128

  private let bytes: UnsafeBufferPointer<UInt8>
  private var pos = 0

  /// Parses one JSON document from `bytes`.
  public static func parse(_ bytes: [UInt8]) throws(GarrisonError) -> JSONValue {
    try bytes.withUnsafeBufferPointer { (buf) throws(GarrisonError) -> JSONValue in try parse(buf) }
  }

  /// Parses one JSON document from a string.
  public static func parse(_ text: String) throws(GarrisonError) -> JSONValue { try parse(Array(text.utf8)) }

  /// Parses one JSON document from a buffer (the whole buffer must be the document).
  public static func parse(_ buf: UnsafeBufferPointer<UInt8>) throws(GarrisonError) -> JSONValue {
    var p = JSONParser(bytes: buf)
    p.skipSpace()
    let v = try p.value(depth: 0)
    p.skipSpace()
    if p.pos != buf.count { throw p.fail("trailing characters") }
    return v
  }

  private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  private func fail(_ message: String) -> GarrisonError {
    GarrisonError(.syntax, operation: "parse JSON", "JSON: \(message) at byte \(pos)")
  }

  private mutating func skipSpace() {
    while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
      pos += 1
    }
  }

  private mutating func literal(_ word: String, _ v: JSONValue) throws(GarrisonError) -> JSONValue {
    let p = Array(word.utf8)
    let n = p.count
    guard pos + n <= bytes.count else { throw fail("truncated literal") }
    for i in 0..<n where bytes[pos + i] != p[i] { throw fail("bad literal") }
    pos += n
    return v
  }

  private mutating func value(depth: Int) throws(GarrisonError) -> JSONValue {
    guard pos < bytes.count else { throw fail("unexpected end") }
    switch bytes[pos] {
    case UInt8(ascii: "{"):
      try checkDepth(depth)
      pos += 1
      var obj: [String: JSONValue] = [:]
      skipSpace()
      if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
      while true {
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected key") }
        let key = try string()
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        pos += 1
        skipSpace()
        let v = try value(depth: depth + 1)
        if obj.updateValue(v, forKey: key) != nil { throw fail("duplicate key \"\(key)\"") }
        skipSpace()
        guard pos < bytes.count else { throw fail("unexpected end in object") }
        if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
        if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
        throw fail("expected ',' or '}'")
      }
    case UInt8(ascii: "["):
      try checkDepth(depth)
      pos += 1
      var arr: [JSONValue] = []
      skipSpace()
      if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
      while true {
        skipSpace()
        arr.append(try value(depth: depth + 1))
        skipSpace()
        guard pos < bytes.count else { throw fail("unexpected end in array") }
        if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
        if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
        throw fail("expected ',' or ']'")
      }
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    default: return try number()
    }
  }

  /// `depth` collections enclose the one starting at `pos`.
  private func checkDepth(_ depth: Int) throws(GarrisonError) {
    guard depth < Self.maxDepth else { throw fail("arrays and objects nested deeper than \(Self.maxDepth) levels") }
  }

  private mutating func number() throws(GarrisonError) -> JSONValue {
    let start = pos
    var isInt = true
    let negative = pos < bytes.count && bytes[pos] == UInt8(ascii: "-")
    if negative { pos += 1 }
    let digitsStart = pos
    var magnitude: Int64 = 0
    var overflow = false
    while pos < bytes.count, bytes[pos] >= 0x30 && bytes[pos] <= 0x39 {
      let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
      let (a, o2) = m.addingReportingOverflow(Int64(bytes[pos] - 0x30))
      magnitude = a
      overflow = overflow || o1 || o2
      pos += 1
    }
    if pos == digitsStart { throw fail("bad number") }
    if bytes[digitsStart] == 0x30 && pos - digitsStart > 1 { throw fail("leading zero") }
    let plainInteger = pos >= bytes.count || (bytes[pos] != UInt8(ascii: ".") && bytes[pos] | 0x20 != UInt8(ascii: "e"))
    if plainInteger && !overflow { return .int(negative ? -magnitude : magnitude) }
    if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
      isInt = false
      pos += 1
      let f = pos
      while pos < bytes.count, bytes[pos] >= 0x30 && bytes[pos] <= 0x39 { pos += 1 }
      if pos == f { throw fail("bad fraction") }
    }
    if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
      isInt = false
      pos += 1
      if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
      let e = pos
      while pos < bytes.count, bytes[pos] >= 0x30 && bytes[pos] <= 0x39 { pos += 1 }
      if pos == e { throw fail("bad exponent") }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
    if isInt, let i = Int64(text) { return .int(i) }
    guard let d = Double(text) else { throw fail("bad number") }
    return .double(d)
  }

  private mutating func hex4() throws(GarrisonError) -> UInt32 {
    guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[pos]
      pos += 1
      v <<= 4
      switch c {
      case 0x30...0x39: v |= UInt32(c - 0x30)
      case 0x61...0x66: v |= UInt32(c - 0x61 + 10)
      case 0x41...0x46: v |= UInt32(c - 0x41 + 10)
      default: throw fail("bad \\u escape")
      }
    }
    return v
  }

  private mutating func string() throws(GarrisonError) -> String {
    pos += 1  // opening quote
    let start = pos
    // Fast path: no escapes.
    while pos < bytes.count {
      let c = bytes[pos]
      if c == UInt8(ascii: "\"") {
        let s = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let s else { throw fail("invalid UTF-8") }
        pos += 1
        return s
      }
      if c == UInt8(ascii: "\\") { break }
      if c < 0x20 { throw fail("control character in string") }
      pos += 1
    }
    var out: [UInt8] = Array(bytes[start..<pos])
    while pos < bytes.count {
      let c = bytes[pos]
      pos += 1
      switch c {
      case UInt8(ascii: "\""):
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8") }
        return s
      case UInt8(ascii: "\\"):
        guard pos < bytes.count else { throw fail("truncated escape") }
        let e = bytes[pos]
        pos += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if scalar >= 0xD800 && scalar < 0xDC00 {
            guard pos + 2 <= bytes.count, bytes[pos] == 0x5C, bytes[pos + 1] == UInt8(ascii: "u") else {
              throw fail("lone surrogate")
            }
            pos += 2
            let low = try hex4()
            guard low >= 0xDC00 && low < 0xE000 else { throw fail("bad surrogate pair") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw fail("bad code point") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default: throw fail("bad escape")
        }
      default:
        if c < 0x20 { throw fail("control character in string") }
        out.append(c)
      }
    }
    throw fail("unterminated string")
  }
}
