import Foundation
import GarrisonCore
import Yams

/// Per-document decoding state: the file, the line offset of the document within it, every field's location,
/// and the warnings (unknown fields) collected so far.
final class DecodeContext {
  let file: String
  let lineOffset: Int
  var locations: [String: SourceLocation] = [:]
  var warnings: [GarrisonError] = []

  init(file: String, lineOffset: Int) {
    self.file = file
    self.lineOffset = lineOffset
  }

  func location(_ node: Node) -> SourceLocation {
    let mark = node.mark
    return SourceLocation(file: file, line: (mark?.line ?? 1) + lineOffset, column: mark?.column ?? 1)
  }
}

/// Reads one YAML mapping into typed fields, recording each field's `file:line:col` under its field path and
/// reporting keys nobody read as unknown fields. Type mismatches are errors naming the field and position.
final class NodeReader {
  let node: Node
  let mapping: Node.Mapping
  let path: FieldPath
  let context: DecodeContext
  private var read: Set<String> = []

  /// Key → (key node, value node), built once; duplicate keys are refused here.
  private let entries: [String: (key: Node, value: Node)]
  /// `path.description`, computed once: every child field's location key extends it.
  let pathString: String

  init(_ node: Node, path: FieldPath, context: DecodeContext, pathString: String? = nil) throws {
    guard let mapping = node.mapping else {
      throw GarrisonError(
        .invalid, "expected an object, got \(NodeReader.kindName(node))", field: path, at: context.location(node))
    }
    // Kubernetes rejects duplicate keys; taking either copy would let `privileged: false` hide a later `true`.
    var entries: [String: (key: Node, value: Node)] = [:]
    entries.reserveCapacity(mapping.count)
    for (k, v) in mapping {
      guard case .scalar(let scalar) = k else { continue }
      let name = scalar.string
      if entries.updateValue((k, v), forKey: name) != nil {
        throw GarrisonError(.invalid, "duplicate field \"\(name)\"", field: path / name, at: context.location(k))
      }
    }
    self.entries = entries
    self.node = node
    self.mapping = mapping
    self.path = path
    self.context = context
    self.pathString = pathString ?? path.description
    if context.locations[self.pathString] == nil { context.locations[self.pathString] = context.location(node) }
  }

  /// The location key of a child field (`a.b` + `c` → `a.b.c`), the same text as `(path / key).description`.
  func childKey(_ key: String) -> String { pathString.isEmpty ? key : pathString + "." + key }

  var location: SourceLocation { context.location(node) }

  /// The value node of `key`, or nil when absent or null; records its location.
  func value(_ key: String) -> Node? {
    read.insert(key)
    guard let (k, v) = entries[key] else { return nil }
    context.locations[childKey(key)] = context.location(k)
    if ScalarKind.of(v) == .null { return nil }
    return v
  }

  /// Marks keys as valid Kubernetes fields that Garrison does not model.
  func ignore(_ keys: [String]) { read.formUnion(keys) }

  func error(_ key: String, _ message: String, node: Node? = nil) -> GarrisonError {
    GarrisonError(.invalid, message, field: path / key, at: node.map(context.location) ?? location)
  }

  func string(_ key: String) throws -> String? {
    guard let v = value(key) else { return nil }
    return try scalarString(v, field: path / key)
  }

  func scalarString(_ v: Node, field: FieldPath) throws -> String {
    guard case .scalar(let s) = v, ScalarKind.of(v) == .string else {
      throw GarrisonError(.invalid, "expected a string, got \(NodeReader.kindName(v))", field: field, at: context.location(v))
    }
    return s.string
  }

  func bool(_ key: String) throws -> Bool? {
    guard let v = value(key) else { return nil }
    guard ScalarKind.of(v) == .bool, case .scalar(let s) = v, let b = ScalarKind.bool(s.string) else {
      throw error(key, "expected a boolean, got \(NodeReader.kindName(v))", node: v)
    }
    return b
  }

  func int64(_ key: String) throws -> Int64? {
    guard let v = value(key) else { return nil }
    return try int64(v, field: path / key)
  }

  func int64(_ v: Node, field: FieldPath) throws -> Int64 {
    guard ScalarKind.of(v) == .integer, case .scalar(let s) = v else {
      throw GarrisonError(.invalid, "expected an integer, got \(NodeReader.kindName(v))", field: field, at: context.location(v))
    }
    if let n = NodeReader.yamlInteger(s.string) { return n }
    throw GarrisonError(.invalid, "integer \(s.string) is out of range", field: field, at: context.location(v))
  }

  /// A YAML 1.1 integer as Kubernetes' YAML reader sees it: `0400` and `0o400` are octal, `0x1F` hex,
  /// `_` separators allowed; nil when out of range.
  static func yamlInteger(_ raw: String) -> Int64? {
    var text = raw.replacingOccurrences(of: "_", with: "")
    var sign: Int64 = 1
    if text.hasPrefix("-") { sign = -1; text.removeFirst() } else if text.hasPrefix("+") { text.removeFirst() }
    let magnitude: Int64?
    if text.hasPrefix("0x") || text.hasPrefix("0X") {
      magnitude = Int64(text.dropFirst(2), radix: 16)
    } else if text.hasPrefix("0o") {
      magnitude = Int64(text.dropFirst(2), radix: 8)
    } else if text.count > 1 && text.hasPrefix("0") {
      magnitude = Int64(text.dropFirst(), radix: 8)
    } else {
      magnitude = Int64(text)
    }
    return magnitude.map { $0 * sign }
  }

  func int32(_ key: String) throws -> Int32? {
    guard let n = try int64(key) else { return nil }
    guard let v = Int32(exactly: n) else { throw error(key, "value \(n) does not fit in a 32-bit integer", node: value(key)) }
    return v
  }

  /// A quantity: Kubernetes accepts strings and numbers.
  func quantity(_ v: Node, field: FieldPath) throws -> Quantity {
    guard case .scalar(let s) = v, [.string, .integer, .float].contains(ScalarKind.of(v)) else {
      throw GarrisonError(.invalid, "expected a quantity, got \(NodeReader.kindName(v))", field: field, at: context.location(v))
    }
    do {
      return try Quantity(parsing: s.string)
    } catch let e as Quantity.ParseError {
      throw GarrisonError(.invalid, "invalid quantity \"\(s.string)\": \(e)", field: field, at: context.location(v))
    }
  }

  func object(_ key: String) throws -> NodeReader? {
    guard let v = value(key) else { return nil }
    return try NodeReader(v, path: path / key, context: context, pathString: childKey(key))
  }

  func objectReader<T>(_ key: String, _ decode: (NodeReader) throws -> T) throws -> T? {
    guard let r = try object(key) else { return nil }
    let value = try decode(r)
    r.finish()
    return value
  }

  /// A list whose items are decoded one by one with their index in the field path.
  func list<T>(_ key: String, _ decode: (Node, FieldPath) throws -> T) throws -> [T]? {
    guard let v = value(key) else { return nil }
    guard let seq = v.sequence else { throw error(key, "expected a list, got \(NodeReader.kindName(v))", node: v) }
    var out: [T] = []
    for (i, item) in seq.enumerated() {
      let p = path / key / i
      context.locations[childKey(key) + "[\(i)]"] = context.location(item)
      out.append(try decode(item, p))
    }
    return out
  }

  func objectList<T>(_ key: String, _ decode: (NodeReader) throws -> T) throws -> [T] {
    try list(key) { item, p in
      guard case .index(let i) = p.steps.last else { throw GarrisonError(.invalid, "internal: list path without index", field: p) }
      let r = try NodeReader(item, path: p, context: context, pathString: childKey(key) + "[\(i)]")
      let value = try decode(r)
      r.finish()
      return value
    } ?? []
  }

  func stringList(_ key: String) throws -> [String]? {
    try list(key) { item, p in try scalarString(item, field: p) }
  }

  func int64List(_ key: String) throws -> [Int64]? {
    try list(key) { item, p in try int64(item, field: p) }
  }

  /// A string-to-string map (labels, annotations).
  func stringMap(_ key: String) throws -> [String: String] {
    guard let r = try object(key) else { return [:] }
    var out: [String: String] = [:]
    for (k, v) in r.mapping {
      let name = try r.scalarString(k, field: r.path)
      r.read.insert(name)
      context.locations[(r.path.appending(key: name)).description] = context.location(k)
      out[name] = try r.scalarString(v, field: r.path.appending(key: name))
    }
    return out
  }

  /// A map of resource name to quantity (limits, requests).
  func quantityMap(_ key: String) throws -> [String: Quantity] {
    guard let r = try object(key) else { return [:] }
    var out: [String: Quantity] = [:]
    for (k, v) in r.mapping {
      let name = try r.scalarString(k, field: r.path)
      let p = r.path.appending(key: name)
      context.locations[p.description] = context.location(k)
      out[name] = try r.quantity(v, field: p)
    }
    return out
  }

  /// Reports every key nobody read as an unknown field (a warning; `--strict` turns warnings into errors).
  func finish() {
    for (k, _) in mapping {
      guard let name = k.string, !read.contains(name) else { continue }
      context.warnings.append(
        GarrisonError(.invalid, "unknown field \"\(name)\"", field: path / name, at: context.location(k)))
    }
  }

  static func kindName(_ node: Node) -> String {
    switch node {
    case .mapping: return "an object"
    case .sequence: return "a list"
    case .scalar:
      switch ScalarKind.of(node) {
      case .integer: return "an integer"
      case .float: return "a number"
      case .bool: return "a boolean"
      case .null: return "null"
      default: return "a string"
      }
    default: return "an alias"
    }
  }
}
