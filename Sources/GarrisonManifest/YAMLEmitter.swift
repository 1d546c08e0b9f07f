import Foundation
import GarrisonCore

/// Writes a JSON value as block-style YAML the way kubectl prints `-o yaml`: keys sorted, a sequence under a key
/// not indented, two spaces per level. A string is written plain only when Garrison's own reader (`YAMLTree`,
/// Kubernetes' YAML 1.1 typing) reads it back as that same string; otherwise it is double-quoted with escapes,
/// so `emit` followed by `YAMLTree.parse` gives the value back (names and labels from manifests are hostile text).
public enum YAMLEmitter {
  /// The YAML text of `value`, ending in a newline.
  public static func emit(_ value: JSONValue) -> String {
    var out = ""
    switch value {
    case .object(let o) where !o.isEmpty: mapping(o, indent: 0, into: &out)
    case .array(let a) where !a.isEmpty: sequence(a, indent: 0, into: &out)
    default: out += scalar(value) + "\n"
    }
    return out
  }

  private static func mapping(_ o: [String: JSONValue], indent: Int, into out: inout String) {
    let pad = String(repeating: " ", count: indent)
    for key in o.keys.sorted() {
      let value = o[key]!
      out += pad + quoted(key) + ":"
      switch value {
      case .object(let child) where !child.isEmpty:
        out += "\n"
        mapping(child, indent: indent + 2, into: &out)
      case .array(let items) where !items.isEmpty:
        out += "\n"
        sequence(items, indent: indent, into: &out)
      default:
        out += " " + scalar(value) + "\n"
      }
    }
  }

  private static func sequence(_ items: [JSONValue], indent: Int, into out: inout String) {
    let pad = String(repeating: " ", count: indent)
    for item in items {
      switch item {
      case .object(let o) where !o.isEmpty:
        // The first pair goes on the dash's line: render at indent+2 and replace that line's padding by "- ".
        var block = ""
        mapping(o, indent: indent + 2, into: &block)
        out += pad + "- " + block.dropFirst(indent + 2)
      case .array(let a) where !a.isEmpty:
        var block = ""
        sequence(a, indent: indent + 2, into: &block)
        out += pad + "- " + block.dropFirst(indent + 2)
      default:
        out += pad + "- " + scalar(item) + "\n"
      }
    }
  }

  /// The YAML text of an `Encodable` value, through its JSON encoding (dates as the encoder's strategy gives them).
  public static func emit<T: Encodable>(encoding value: T, encoder: JSONEncoder = JSONEncoder()) throws -> String {
    emit(try JSONParser.parse(Array(try encoder.encode(value))))
  }

  /// A scalar (or an empty collection) on one line.
  static func scalar(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .double(let d):
      if d.isNaN { return ".nan" }
      if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
      return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .string(let s): return quoted(s)
    case .array: return "[]"
    case .object: return "{}"
    }
  }

  /// `s` plain when that reads back as the same string, else double-quoted.
  static func quoted(_ s: String) -> String {
    canBePlain(s) ? s : doubleQuoted(s)
  }

  private static let indicators: Set<Character> = [
    "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`",
  ]

  static func canBePlain(_ s: String) -> Bool {
    guard let first = s.first, let last = s.last else { return false }
    guard ScalarKind.of(plain: s) == .string else { return false }
    if first == " " || last == " " || last == ":" { return false }
    // `-`, `?` and `:` start a plain scalar when a non-space follows; kept simple: never first.
    if indicators.contains(first) { return false }
    if s.contains(": ") || s.contains(" #") || s.contains(":\t") || s.contains("\t#") { return false }
    for u in s.unicodeScalars {
      // Printable ASCII and non-ASCII letters only (no controls, no NEL/LS/PS line breaks, no BOM).
      if u.value < 0x20 || u.value == 0x7F { return false }
      if (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFEFF { return false }
    }
    return true
  }

  static func doubleQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
          || u.value == 0xFEFF
        {
          let hex = String(u.value, radix: 16, uppercase: true)
          out += (u.value > 0xFFFF ? "\\U" : "\\u") + String(repeating: "0", count: max(0, (u.value > 0xFFFF ? 8 : 4) - hex.count)) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}
