/// Any JSON value, kept as decoded: for runtime-spec objects Garrison does not model but must notice
/// (e.g. `linux.resources.blockIO`), so the runtime can refuse them instead of ignoring them silently.
public indirect enum OCIJSONValue: Codable, Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([OCIJSONValue])
  case object([String: OCIJSONValue])

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? c.decode(Double.self) {
      self = .number(n)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([OCIJSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: OCIJSONValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .number(let n): try c.encode(n)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }

  /// Whether the value says nothing: null, an empty array or an empty object.
  public var isEmpty: Bool {
    switch self {
    case .null: return true
    case .array(let a): return a.isEmpty
    case .object(let o): return o.isEmpty
    default: return false
    }
  }
}
