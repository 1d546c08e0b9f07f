/// Strict field access on one parsed JSON object, for the readers that decode a state file without Codable
/// (`RuntimeSpecReader` for config.json, `PodRecordReader` for record.json): a key that is absent or null is nil,
/// anything mistyped or out of range throws `Unsure`, and the reader's caller then decodes with `JSONDecoder`,
/// which agrees or names the error.
public struct JSONFields {
  /// The value is not what the reader expects: let `JSONDecoder` decide.
  public struct Unsure: Error {
    @inlinable public init() {}
  }

  public let fields: [String: JSONValue]

  @inlinable public init(_ value: JSONValue) throws(Unsure) {
    guard case .object(let o) = value else { throw Unsure() }
    fields = o
  }

  /// `v`, or `Unsure` when it is missing.
  @inlinable public static func required<T>(_ v: T?) throws(Unsure) -> T {
    guard let v else { throw Unsure() }
    return v
  }

  @inlinable public func value(_ k: String) -> JSONValue? {
    guard let v = fields[k], v != .null else { return nil }
    return v
  }
  @inlinable public func any(_ k: String) -> JSONValue? { value(k) }
  @inlinable public func str(_ k: String) throws(Unsure) -> String? {
    guard let v = value(k) else { return nil }
    guard case .string(let s) = v else { throw Unsure() }
    return s
  }
  @inlinable public func bool(_ k: String) throws(Unsure) -> Bool? {
    guard let v = value(k) else { return nil }
    guard case .bool(let b) = v else { throw Unsure() }
    return b
  }
  @inlinable public func int64(_ k: String) throws(Unsure) -> Int64? {
    guard let v = value(k) else { return nil }
    guard case .int(let i) = v else { throw Unsure() }
    return i
  }
  @inlinable public func int(_ k: String) throws(Unsure) -> Int? { try int64(k).map { Int($0) } }
  @inlinable public func uint64(_ k: String) throws(Unsure) -> UInt64? {
    guard let i = try int64(k) else { return nil }
    guard i >= 0 else { throw Unsure() }
    return UInt64(i)
  }
  @inlinable public func uint32(_ k: String) throws(Unsure) -> UInt32? {
    guard let i = try int64(k) else { return nil }
    guard let u = UInt32(exactly: i) else { throw Unsure() }
    return u
  }
  /// A number: an integer or a double.
  @inlinable public func double(_ k: String) throws(Unsure) -> Double? {
    switch value(k) {
    case nil: return nil
    case .int(let i)?: return Double(i)
    case .double(let d)?: return d
    default: throw Unsure()
    }
  }
  @inlinable public func array(_ k: String) throws(Unsure) -> [JSONValue]? {
    guard let v = value(k) else { return nil }
    guard case .array(let a) = v else { throw Unsure() }
    return a
  }
  @inlinable public func strings(_ k: String) throws(Unsure) -> [String]? {
    guard let v = value(k) else { return nil }
    guard let list = v.stringArrayValue else { throw Unsure() }
    return list
  }
  @inlinable public func uint32s(_ k: String) throws(Unsure) -> [UInt32]? {
    guard let items = try array(k) else { return nil }
    var out: [UInt32] = []
    for item in items {
      guard case .int(let i) = item, let u = UInt32(exactly: i) else { throw Unsure() }
      out.append(u)
    }
    return out
  }
  @inlinable public func stringMap(_ k: String) throws(Unsure) -> [String: String]? {
    guard let v = value(k) else { return nil }
    guard case .object(let o) = v else { throw Unsure() }
    var out: [String: String] = [:]
    for (key, item) in o {
      guard case .string(let s) = item else { throw Unsure() }
      out[key] = s
    }
    return out
  }
  @inlinable public func object(_ k: String) throws(Unsure) -> JSONFields? {
    guard let v = value(k) else { return nil }
    return try JSONFields(v)
  }
  @inlinable public func objects(_ k: String) throws(Unsure) -> [JSONFields]? {
    guard let items = try array(k) else { return nil }
    var out: [JSONFields] = []
    for item in items { out.append(try JSONFields(item)) }
    return out
  }
}
