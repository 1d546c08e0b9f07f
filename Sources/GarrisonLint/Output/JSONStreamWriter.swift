import Foundation

/// Pretty-printed JSON written as it goes, byte for byte what `JSONEncoder` with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` writes for the same values: two-space indentation,
/// `"key" : value`, an empty container as `[`, an empty line, `]`. Callers give each object's keys in sorted
/// order. Strings of printable ASCII are escaped here (`"` and `\`); any other string, and whole values through
/// `fragment`, are escaped by `JSONEncoder` itself.
struct JSONStreamWriter {
  /// The text written since the last `take()`.
  private(set) var out = ""
  private var depth = 0
  /// Whether the open container has no member yet.
  private var isFirst = true

  init() {}

  /// A writer inside an array at `depth` (the array's elements are indented `depth` levels), before its first
  /// element.
  init(depth: Int) {
    self.depth = depth
  }

  /// The text written so far; the writer goes on from where it was.
  mutating func take() -> String {
    defer { out = "" }
    return out
  }

  /// Opens an object (`{`) as the value of the current key or element.
  mutating func beginObject() { begin("{") }
  mutating func endObject() { end("}") }
  mutating func beginArray() { begin("[") }
  mutating func endArray() { end("]") }

  /// Starts the next member of the open object: `"key" : `.
  mutating func key(_ k: String) {
    separate()
    appendString(k)
    out += " : "
  }

  /// Starts the next element of the open array.
  mutating func element() { separate() }

  /// Marks the open container as already holding members another writer wrote (the next one is preceded by `,`).
  mutating func following() { isFirst = false }

  mutating func string(_ s: String) { appendString(s) }
  mutating func int(_ n: Int) { out += String(n) }
  mutating func bool(_ b: Bool) { out += b ? "true" : "false" }

  /// A member with a string value.
  mutating func member(_ k: String, _ s: String) {
    key(k)
    appendString(s)
  }
  /// A member with a string value, left out when nil (as `encodeIfPresent`).
  mutating func member(_ k: String, ifPresent s: String?) {
    if let s { member(k, s) }
  }
  mutating func member(_ k: String, _ n: Int) {
    key(k)
    int(n)
  }

  /// A whole value encoded by `JSONEncoder` (small, rare parts of a document), indented to where it goes.
  mutating func fragment<T: Encodable>(_ value: T) throws {
    let text = String(decoding: try Self.encoder.encode(value), as: UTF8.self)
    if !text.contains("\n") {
      out += text
      return
    }
    let indent = Self.indent(depth)
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if i > 0 {
        out += "\n"
        // An empty line (inside an empty container) carries no indentation.
        if !line.isEmpty { out += indent }
      }
      out += line
    }
  }

  private mutating func begin(_ bracket: String) {
    out += bracket
    out += "\n"
    depth += 1
    isFirst = true
  }

  private mutating func end(_ bracket: String) {
    out += "\n"
    depth -= 1
    out += Self.indent(depth)
    out += bracket
    isFirst = false
  }

  private mutating func separate() {
    if !isFirst { out += ",\n" }
    isFirst = false
    out += Self.indent(depth)
  }

  private mutating func appendString(_ s: String) {
    var plain = true
    var escapes = 0
    for b in s.utf8 {
      if b < 0x20 || b >= 0x7F {
        plain = false
        break
      }
      if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { escapes += 1 }
    }
    guard plain else {
      // Control characters and non-ASCII text: exactly as the encoder escapes them.
      out += String(decoding: (try? Self.encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
      return
    }
    out += "\""
    if escapes == 0 {
      out += s
    } else {
      var start = s.utf8.startIndex
      var i = start
      let utf8 = s.utf8
      while i != utf8.endIndex {
        let b = utf8[i]
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
          out += s[start..<i]
          out += b == UInt8(ascii: "\"") ? "\\\"" : "\\\\"
          start = utf8.index(after: i)
        }
        i = utf8.index(after: i)
      }
      out += s[start..<utf8.endIndex]
    }
    out += "\""
  }

  private static let indents: [String] = (0..<16).map { String(repeating: "  ", count: $0) }
  private static func indent(_ depth: Int) -> String { depth < indents.count ? indents[depth] : String(repeating: "  ", count: depth) }

  /// The encoder whose output this writer reproduces.
  static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
  }
}
