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
    case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .double(let d):
      if d.isFinite && d.rounded() == d && abs(d) < 9e15 {
        out.append(contentsOf: String(Int64(d)).utf8)
      } else if d.isFinite {
        out.append(contentsOf: "\(d)".utf8)
      } else {
        out.append(contentsOf: Array("null".utf8))
      }
    case .string(let s): JSONValue.writeString(s, into: &out)
    case .array(let a):
      out.append(UInt8(ascii: "["))
      for (i, v) in a.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        v.write(into: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let o):
      out.append(UInt8(ascii: "{"))
      let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      for (i, k) in keys.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        JSONValue.writeString(k, into: &out)
        out.append(UInt8(ascii: ":"))
        o[k]!.write(into: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  public static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  static func writeString(_ s: String, into out: inout [UInt8]) {
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
