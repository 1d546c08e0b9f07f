/// A typed JSON value: the `details` of an audit event and the body of every stored record.
///
/// Objects keep their keys in a dictionary; serialisation is canonical (keys sorted by their UTF-8 bytes,
/// no whitespace, minimal string escapes, integers without exponent), so a value has exactly one byte form
/// and the hash chain can be recomputed from a parsed record.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// The member `key` of an object, or nil.
  public subscript(key: String) -> JSONValue? {
    if case .object(let o) = self { return o[key] }
    return nil
  }
  /// The string payload, or nil.
  public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
  /// The integer payload (doubles with an integral value count), or nil.
  public var intValue: Int64? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d.rounded() == d && abs(d) < 9e18: return Int64(d)
    default: return nil
    }
  }
  /// The boolean payload, or nil.
  public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
  /// The array payload, or nil.
  public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
  /// Whether the value says nothing: null, an empty array or an empty object (an OCI field given as `{}`).
  public var isEmpty: Bool {
    switch self {
    case .null: return true
    case .array(let a): return a.isEmpty
    case .object(let o): return o.isEmpty
    default: return false
    }
  }
  /// The object payload, or nil.
  public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
  /// An array whose every element is a string, or nil (for anything else, one non-string element included).
  public var stringArrayValue: [String]? {
    guard case .array(let items) = self else { return nil }
    var out: [String] = []
    out.reserveCapacity(items.count)
    for item in items {
      guard case .string(let s) = item else { return nil }
      out.append(s)
    }
    return out
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
  ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int64) { self = .int(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
  }
  public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
  /// Wraps a list of strings.
  public static func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
  /// Wraps an optional string (nil becomes `null`).
  public static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
  /// Wraps any integer.
  public static func integer<T: BinaryInteger>(_ i: T) -> JSONValue { .int(Int64(i)) }
}
