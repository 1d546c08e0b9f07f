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
      content = .mapping(
        (0..<doc.count(node)).map { Pair(key: YAMLTree(doc, doc.key(node, $0)), value: YAMLTree(doc, doc.value(node, $0))) })
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

  /// The tree as a JSON value, as the API server would store it (`YAMLDocument.json`'s rules: typed plain
  /// scalars, mapping keys by their text, a later duplicate key winning).
  public var jsonValue: JSONValue {
    switch content {
    case .scalar(let s, let type):
      let kind: ScalarKind
      switch type {
      case .string: kind = .string
      case .integer: kind = .integer
      case .float: kind = .float
      case .bool: kind = .bool
      case .null: kind = .null
      }
      return YAMLDocument.jsonScalar(s, kind)
    case .sequence(let items): return .array(items.map(\.jsonValue))
    case .mapping(let pairs):
      var object: [String: JSONValue] = [:]
      for p in pairs { object[p.key.scalar ?? ""] = p.value.jsonValue }
      return .object(object)
    }
  }
}
