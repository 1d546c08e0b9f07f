import Glibc

/// A node of a `YAMLDocument`: an index into its node table. Aliases share the index of the node they name.
struct YAMLNode: Equatable {
  let index: Int
}

/// One composed YAML document, stored flat: a node table, the child lists of collections (a mapping's
/// children are key, value, key, value, ...), and the UTF-8 bytes of every scalar. Built by `YAMLComposer`
/// straight from libyaml's events; reading a field compares bytes and makes no `String` unless asked.
final class YAMLDocument: Sendable {
  /// The kind of a node.
  enum Kind: UInt8 {
    case scalar, sequence, mapping
  }

  /// libyaml's scalar styles (`yaml_scalar_style_t`): only plain (and unspecified) scalars are typed.
  enum ScalarStyle: UInt8 {
    case any, plain, singleQuoted, doubleQuoted, literal, folded
  }

  /// One node: kind, style, position (libyaml's 0-based mark plus one, as Yams' `Mark`), and where its
  /// content is (scalar: a range of `bytes`; collection: a range of `children`, two entries per pair).
  struct Entry {
    var kind: Kind
    var style: ScalarStyle
    /// The node carries the explicit tag `tag:yaml.org,2002:value` (Yams' "value" key; see `string(ofKey:)`).
    var hasValueTag: Bool
    var line: Int32
    var column: Int32
    var start: Int
    var count: Int
  }

  let entries: [Entry]
  let children: [Int]
  let bytes: [UInt8]
  /// The document's root node.
  let root: YAMLNode

  init(entries: [Entry], children: [Int], bytes: [UInt8], root: YAMLNode) {
    self.entries = entries
    self.children = children
    self.bytes = bytes
    self.root = root
  }

  func kind(_ n: YAMLNode) -> Kind { entries[n.index].kind }
  func line(_ n: YAMLNode) -> Int { Int(entries[n.index].line) }
  func column(_ n: YAMLNode) -> Int { Int(entries[n.index].column) }

  /// Number of pairs of a mapping, items of a sequence; 0 for a scalar.
  func count(_ n: YAMLNode) -> Int {
    let e = entries[n.index]
    switch e.kind {
    case .scalar: return 0
    case .sequence: return e.count
    case .mapping: return e.count / 2
    }
  }

  /// Item `i` of a sequence.
  func item(_ n: YAMLNode, _ i: Int) -> YAMLNode { YAMLNode(index: children[entries[n.index].start + i]) }
  /// Key of pair `i` of a mapping.
  func key(_ n: YAMLNode, _ i: Int) -> YAMLNode { YAMLNode(index: children[entries[n.index].start + 2 * i]) }
  /// Value of pair `i` of a mapping.
  func value(_ n: YAMLNode, _ i: Int) -> YAMLNode { YAMLNode(index: children[entries[n.index].start + 2 * i + 1]) }

  /// A scalar's text (any style); nil for collections.
  func scalar(_ n: YAMLNode) -> String? {
    let e = entries[n.index]
    guard e.kind == .scalar else { return nil }
    return bytes.withUnsafeBufferPointer { b in
      String(decoding: UnsafeBufferPointer(rebasing: b[e.start..<e.start + e.count]), as: UTF8.self)
    }
  }

  /// A mapping key's text as Yams' `Node.string` gives it: a scalar's text; for a mapping, the text of the value
  /// whose key is tagged `!!value`; nil otherwise.
  func string(ofKey n: YAMLNode) -> String? {
    let e = entries[n.index]
    if e.kind == .mapping {
      for i in 0..<count(n) where entries[key(n, i).index].hasValueTag {
        return string(ofKey: value(n, i))
      }
    }
    return scalar(n)
  }

  /// `scalar(_:equals:)` of text given as UTF-8 bytes.
  func scalar(_ n: YAMLNode, equals text: UnsafeBufferPointer<UInt8>) -> Bool {
    let e = entries[n.index]
    guard e.kind == .scalar, e.count == text.count else { return false }
    if e.count == 0 { return true }
    return bytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + e.start, text.baseAddress!, e.count) == 0 }
  }

  /// Whether a node is a scalar whose text is exactly `text`.
  func scalar(_ n: YAMLNode, equals text: String) -> Bool {
    let e = entries[n.index]
    guard e.kind == .scalar, e.count == text.utf8.count else { return false }
    if e.count == 0 { return true }
    var text = text
    return text.withUTF8 { t in
      bytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + e.start, t.baseAddress!, e.count) == 0 }
    }
  }

  /// Whether a node is a scalar of ASCII text (where byte equality is `String` equality).
  func isASCII(_ n: YAMLNode) -> Bool {
    let e = entries[n.index]
    guard e.kind == .scalar else { return true }
    return bytes.withUnsafeBufferPointer { b in !b[e.start..<e.start + e.count].contains { $0 >= 0x80 } }
  }

  /// Whether two scalars have the same text.
  func sameScalar(_ a: YAMLNode, _ b: YAMLNode) -> Bool {
    let x = entries[a.index], y = entries[b.index]
    guard x.kind == .scalar, y.kind == .scalar, x.count == y.count else { return false }
    if x.count == 0 { return true }
    return bytes.withUnsafeBufferPointer { p in memcmp(p.baseAddress! + x.start, p.baseAddress! + y.start, x.count) == 0 }
  }

  /// The implicit type of a node: nil for collections, `.string` for quoted and block scalars.
  func scalarKind(_ n: YAMLNode) -> ScalarKind? {
    let e = entries[n.index]
    guard e.kind == .scalar else { return nil }
    guard e.style == .plain || e.style == .any else { return .string }
    return bytes.withUnsafeBufferPointer { b in ScalarKind.of(plainUTF8: UnsafeBufferPointer(rebasing: b[e.start..<e.start + e.count])) }
  }
}
