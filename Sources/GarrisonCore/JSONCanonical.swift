/// Canonical JSON serialisation (see `JSONValue`): the byte form the hash chain is computed over.
extension JSONValue {
  /// The canonical UTF-8 bytes of this value.
  public var canonicalBytes: [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(into: &out)
    return out
  }

  /// The canonical form as a string.
  public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

  /// Appends the canonical bytes of this value to `out`.
  public func write(into out: inout [UInt8]) {
    switch self {
    case .null: out.append(contentsOf: JSONValue.nullBytes)
    case .bool(let b): out.append(contentsOf: b ? JSONValue.trueBytes : JSONValue.falseBytes)
    case .int(let i): JSONValue.writeInteger(i, into: &out)
    case .double(let d):
      if d.isFinite && d.rounded() == d && abs(d) < 9e15 {
        JSONValue.writeInteger(Int64(d), into: &out)
      } else if d.isFinite {
        out.append(contentsOf: "\(d)".utf8)
      } else {
        out.append(contentsOf: JSONValue.nullBytes)
      }
    case .string(let s): JSONValue.writeString(s, into: &out)
    case .array(let a):
      out.append(UInt8(ascii: "["))
      for (i, v) in a.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        v.write(into: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let o): JSONValue.writeObject(o, into: &out)
    }
  }

  private static let nullBytes: [UInt8] = Array("null".utf8)
  private static let trueBytes: [UInt8] = Array("true".utf8)
  private static let falseBytes: [UInt8] = Array("false".utf8)

  /// Writes an object with its keys in byte order. Small objects (audit details, the record itself) are sorted
  /// as dictionary positions in a stack buffer: no key array, no second hash lookup per member.
  private static func writeObject(_ o: [String: JSONValue], into out: inout [UInt8]) {
    out.append(UInt8(ascii: "{"))
    withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: o.count) { order in
      var n = 0
      var i = o.startIndex
      while i != o.endIndex {
        let key = o[i].key
        var k = n  // insertion sort: members arrive in hash order, a few at a time
        while k > 0 && precedes(key, o[order[k - 1]].key) {
          order.initializeElement(at: k, to: order.moveElement(from: k - 1))
          k -= 1
        }
        order.initializeElement(at: k, to: i)
        n += 1
        o.formIndex(after: &i)
      }
      for k in 0..<n {
        if k > 0 { out.append(UInt8(ascii: ",")) }
        let (key, value) = o[order[k]]
        writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        value.write(into: &out)
      }
      order.baseAddress!.deinitialize(count: n)
    }
    out.append(UInt8(ascii: "}"))
  }

  /// Whether `a` sorts before `b` by UTF-8 bytes (the canonical key order).
  private static func precedes(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { x in
      b.withUTF8 { y in
        let common = min(x.count, y.count)
        var i = 0
        while i < common {
          if x[i] != y[i] { return x[i] < y[i] }
          i += 1
        }
        return x.count < y.count
      }
    }
  }

  /// Appends the decimal digits of `value` (with `-` when negative), as `String(value)` spells them.
  public static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
    if value < 0 { out.append(UInt8(ascii: "-")) }
    writeDecimal(value.magnitude, into: &out)
  }

  /// Appends the decimal digits of `value`, as `String(value)` spells them.
  public static func writeDecimal(_ value: UInt64, into out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
      var n = 20
      var rest = value
      repeat {
        n -= 1
        digits[n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
        rest /= 10
      } while rest > 0
      out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[n..<20]))
    }
  }

  /// How many digits `writeDecimal` writes for `value`.
  public static func decimalCount(_ value: UInt64) -> Int {
    var n = 1
    var rest = value
    while rest >= 10 {
      rest /= 10
      n += 1
    }
    return n
  }

  public static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  /// Appends `s` as a JSON string (quoted, with the minimal escapes).
  public static func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { b in
      // Runs of bytes that need no escape are copied whole; only `"`, `\` and control bytes are rewritten.
      var run = 0
      for i in 0..<b.count {
        let c = b[i]
        if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { continue }
        if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<i])) }
        run = i + 1
        switch c {
        case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        default:
          out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
          out.append(hexDigits[Int(c >> 4)])
          out.append(hexDigits[Int(c & 0xF)])
        }
      }
      if run < b.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<b.count])) }
    }
    out.append(UInt8(ascii: "\""))
  }
}
