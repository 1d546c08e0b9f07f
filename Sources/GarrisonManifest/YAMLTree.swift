import Foundation
import GarrisonCore

/// One YAML document as a positioned tree, read through Garrison's one YAML stack (`YAMLComposer` over libyaml,
/// with its nesting and alias bounds): what the small YAML files besides manifests are read with — the lint
/// configuration `.garrison.yaml`, test fixtures. Scalars keep their implicit type as Kubernetes' YAML reader
/// decides it (`ScalarKind`); every node keeps its 1-based line and column.
public struct YAMLTree: Sendable, Equatable {
  /// The implicit type of a scalar: plain scalars are typed, quoted and block scalars are strings.
  public enum ScalarType: Sendable, Equatable { case string, integer, float, bool, null }

  /// A node's content.
  public indirect enum Content: Sendable, Equatable {
    case scalar(String, ScalarType)
    case sequence([YAMLTree])
    case mapping([Pair])
  }

  /// One key/value pair of a mapping, in document order.
  public struct Pair: Sendable, Equatable {
    public var key: YAMLTree
    public var value: YAMLTree
  }

  public var content: Content
  public var line: Int
  public var column: Int

  /// Parses `text` (one document; an empty stream is nil). A syntax error, a second document, nesting deeper
  /// than 1,000 levels or an alias bomb is a `.syntax` error at `file:line:col`.
  public static func parse(_ text: String, file: String) throws -> YAMLTree? {
    var utf8 = Array(text.utf8)
    let doc: YAMLDocument?
    do throws(YAMLSyntaxError) {
      doc = try utf8.withUnsafeMutableBufferPointer { b throws(YAMLSyntaxError) in
        try YAMLComposer.compose(UnsafeBufferPointer(b))
      }
    } catch {
      throw ManifestLoader.syntaxError(error, file: file, lineOffset: 0)
    }
    guard let doc else { return nil }
    return YAMLTree(doc, doc.root)
  }

  /// Decodes one document into `T` through its JSON value (`jsonValue`), so a `Decodable` type reads YAML the
  /// way it reads JSON. An empty stream decodes as `null`.
  public static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
    let value = try parse(text, file: file)?.jsonValue ?? .null
    return try JSONDecoder().decode(T.self, from: Data(value.canonicalBytes))
  }

  init(_ doc: YAMLDocument, _ node: YAMLNode) {
    line = doc.line(node)
    column = doc.column(node)
    switch doc.kind(node) {
    case .scalar:
      let type: ScalarType
      switch doc.scalarKind(node) ?? .string {
      case .string: type = .string
      case .integer: type = .integer
      case .float: type = .float
      case .bool: type = .bool
      case .null: type = .null
      }
      content = .scalar(doc.scalar(node) ?? "", type)
    case .sequence:
      content = .sequence((0..<doc.count(node)).map { YAMLTree(doc, doc.item(node, $0)) })
    case .mapping:
      content = .mapping((0..<doc.count(node)).map { Pair(key: YAMLTree(doc, doc.key(node, $0)), value: YAMLTree(doc, doc.value(node, $0))) })
    }
  }

  /// A scalar's text (any type); nil for collections.
  public var scalar: String? { if case .scalar(let s, _) = content { return s }; return nil }
  /// A scalar's text when it is a string (quoted, block, or a plain scalar typed as a string).
  public var string: String? { if case .scalar(let s, .string) = content { return s }; return nil }
  /// A plain `true`/`false` (and YAML 1.1's yes/no/on/off); nil otherwise.
  public var bool: Bool? { if case .scalar(let s, .bool) = content { return ScalarKind.bool(s) }; return nil }
  /// A sequence's items; nil otherwise.
  public var items: [YAMLTree]? { if case .sequence(let a) = content { return a }; return nil }
  /// A mapping's pairs; nil otherwise.
  public var pairs: [Pair]? { if case .mapping(let p) = content { return p }; return nil }
  /// The value of the first pair whose key is the scalar `key`; nil if absent or not a mapping.
  public subscript(key: String) -> YAMLTree? { pairs?.first { $0.key.scalar == key }?.value }

  /// The tree as a JSON value: typed scalars (an integer too large for 64 bits, or a YAML 1.1 form such as
  /// `0o17`, `0x1F`, `1_000` or `.inf`, is decided by its text; what JSON cannot hold stays a string), mapping
  /// keys by their text (a later duplicate key wins, as in Go's decoders).
  public var jsonValue: JSONValue {
    switch content {
    case .scalar(let s, let type):
      switch type {
      case .null: return .null
      case .bool: return ScalarKind.bool(s).map { .bool($0) } ?? .string(s)
      case .integer: return Self.integer(s).map { .int($0) } ?? .string(s)
      case .float: return Double(s.replacingOccurrences(of: "_", with: "")).map { .double($0) } ?? .string(s)
      case .string: return .string(s)
      }
    case .sequence(let items): return .array(items.map(\.jsonValue))
    case .mapping(let pairs):
      var object: [String: JSONValue] = [:]
      for p in pairs { object[p.key.scalar ?? ""] = p.value.jsonValue }
      return .object(object)
    }
  }

  /// A YAML 1.1 integer's value (`0b`, `0o`/leading `0`, `0x`, `_` separators, sign).
  static func integer(_ text: String) -> Int64? {
    var t = Substring(text.replacingOccurrences(of: "_", with: ""))
    var negative = false
    if let f = t.first, f == "-" || f == "+" {
      negative = f == "-"
      t = t.dropFirst()
    }
    let magnitude: Int64?
    if t.hasPrefix("0b") {
      magnitude = Int64(t.dropFirst(2), radix: 2)
    } else if t.hasPrefix("0x") {
      magnitude = Int64(t.dropFirst(2), radix: 16)
    } else if t.hasPrefix("0o") {
      magnitude = Int64(t.dropFirst(2), radix: 8)
    } else if t.count > 1 && t.hasPrefix("0") {
      magnitude = Int64(t.dropFirst(), radix: 8)
    } else {
      magnitude = Int64(t)
    }
    guard let m = magnitude else { return nil }
    return negative ? -m : m
  }
}
