import GarrisonCore

/// Per-object decoding state: the document, the object's node in it, the file, the line offset of the document
/// within it, and the warnings (unknown fields) collected so far. Field positions are looked up in the document
/// when asked (`FieldPositions`), not recorded while decoding.
///
/// One object is decoded by one thread, and no access to a property overlaps another: the stored properties are
/// not checked for exclusive access at run time (`@exclusivity(unchecked)`), as the readers' are not.
final class DecodeContext {
  let doc: YAMLDocument
  let file: String
  let lineOffset: Int
  /// Where the object's fields are written.
  let positions: FieldPositions
  @exclusivity(unchecked) var warnings: [GarrisonError] = []
  /// Objects of kinds Garrison does not model (custom resources, Services, webhooks…): read, counted, not checked.
  @exclusivity(unchecked) var skipped: [SkippedObject] = []
  /// Kubernetes API-validation errors of the object being decoded (invalid names, out-of-range values,
  /// contradictions): the object is still modelled, so lint can check the rest of it; every command that acts
  /// on objects refuses it (`LoadResult.errors`).
  @exclusivity(unchecked) var invalid: [GarrisonError] = []
  /// The names of a StatefulSet's `volumeClaimTemplates`: volumes the controller adds to each pod, so
  /// `volumeMounts` may name them.
  @exclusivity(unchecked) var claimTemplateNames: Set<String> = []
  /// Whether pod specs and workloads keep their JSON copies (`PodTemplate.specJSON`, `ManifestObject.source`).
  let keepJSON: Bool

  /// The state of decoding the object at `root` (the document's root, or an item of a `List`).
  init(doc: YAMLDocument, root: YAMLNode, file: String, lineOffset: Int, keepJSON: Bool = true) {
    self.doc = doc
    self.file = file
    self.lineOffset = lineOffset
    self.keepJSON = keepJSON
    self.positions = FieldPositions(file: file, doc: doc, root: root, lineOffset: lineOffset)
  }

  func location(_ node: YAMLNode) -> SourceLocation {
    SourceLocation(file: file, line: doc.line(node) + lineOffset, column: doc.column(node))
  }

  /// The position of the field at `path` (absolute within the object), when it is written.
  func location(of path: FieldPath) -> SourceLocation? { positions.location(of: path) }
}

/// Reads one YAML mapping into typed fields, reporting keys nobody read as unknown fields. Type mismatches are
/// errors naming the field and position.
///
/// Keys are found by comparing bytes (a hash table only for large mappings); which keys were read is one bit
/// per pair.
final class NodeReader {
  let node: YAMLNode
  let doc: YAMLDocument
  /// The mapping's field path, made when first asked (for an error, an unknown field or a decoder that names a
  /// field): a reader made for a field or a list item keeps its parent and its key instead, so decoding makes no
  /// path per mapping.
  var path: FieldPath {
    if let madePath { return madePath }
    let made = Self.path(of: origin)
    madePath = made
    origin = nil
    return made
  }
  @exclusivity(unchecked) private var madePath: FieldPath?
  /// Where this reader's mapping is: the reader, the key and (for a list item) the index; nil once `path` is made.
  @exclusivity(unchecked) private var origin: Origin?
  typealias Origin = (parent: NodeReader, key: String, index: Int?)

  /// The path `origin` names: the parent's path, the key, and the index when there is one.
  private static func path(of origin: Origin?) -> FieldPath {
    guard let (parent, key, index) = origin else { return FieldPath() }
    return index.map { parent.path / key / $0 } ?? parent.path / key
  }
  let context: DecodeContext
  /// Number of pairs.
  let count: Int

  /// Pairs read (or ignored) so far, one bit each: the first 64 inline, the rest in `moreReadBits`.
  @exclusivity(unchecked) private var readBits: UInt64 = 0
  @exclusivity(unchecked) private var moreReadBits: [UInt64] = []
  /// Names asked for, kept only when a key is not a scalar (Yams' `Node.string` can still name such a key).
  @exclusivity(unchecked) private var readNames: Set<String>?
  /// Key text → pair, for mappings too large to scan or with non-ASCII keys.
  @exclusivity(unchecked) private var table: [String: Int]?
  private static let scanLimit = 16

  convenience init(_ node: YAMLNode, path: FieldPath, context: DecodeContext) throws {
    try self.init(node, path: path, origin: nil, context: context)
  }

  /// The reader of the mapping at `parent`'s field `key` (item `index` of that list, when given).
  convenience init(_ node: YAMLNode, parent: NodeReader, key: String, index: Int? = nil) throws {
    try self.init(node, path: nil, origin: (parent, key, index), context: parent.context)
  }

  /// `path`, or else `origin`, names where the mapping is.
  private init(_ node: YAMLNode, path: FieldPath?, origin: Origin?, context: DecodeContext) throws {
    let doc = context.doc
    guard doc.kind(node) == .mapping else {
      throw GarrisonError(
        .invalid, "expected an object, got \(NodeReader.kindName(node, doc))", field: path ?? Self.path(of: origin),
        at: context.location(node))
    }
    let count = doc.count(node)
    self.node = node
    self.doc = doc
    self.count = count
    self.madePath = path
    self.origin = path == nil ? origin : nil
    self.context = context
    if count > 64 { self.moreReadBits = [UInt64](repeating: 0, count: (count - 1) / 64) }
    // Kubernetes rejects duplicate keys; taking either copy would let `privileged: false` hide a later `true`.
    // Keys are compared as Swift strings (canonical equivalence) when any is not ASCII, else as bytes.
    if count > Self.scanLimit || (0..<count).contains(where: { !doc.isASCII(doc.key(node, $0)) }) {
      var table: [String: Int] = [:]
      table.reserveCapacity(count)
      for i in 0..<count {
        let k = doc.key(node, i)
        guard let name = doc.scalar(k) else { continue }
        if table.updateValue(i, forKey: name) != nil {
          throw GarrisonError(.invalid, "duplicate field \"\(name)\"", field: self.path / name, at: context.location(k))
        }
      }
      self.table = table
    } else {
      for j in 0..<count {
        let k = doc.key(node, j)
        for i in 0..<j where doc.sameScalar(doc.key(node, i), k) {
          let name = doc.scalar(k)!
          throw GarrisonError(.invalid, "duplicate field \"\(name)\"", field: self.path / name, at: context.location(k))
        }
      }
    }
    for i in 0..<count where doc.kind(doc.key(node, i)) != .scalar {
      readNames = []
      break
    }
  }

  var location: SourceLocation { context.location(node) }

  /// The pair whose key is the scalar `key`.
  private func find(_ key: String) -> Int? {
    if let table { return table[key] }
    // The key's bytes taken once, each pair's key compared with them in place.
    func scan(_ k: UnsafeBufferPointer<UInt8>) -> Int? {
      for i in 0..<count where doc.scalar(doc.key(node, i), equals: k) { return i }
      return nil
    }
    if let found = key.utf8.withContiguousStorageIfAvailable(scan) { return found }
    var key = key
    return key.withUTF8(scan)
  }

  private func isRead(_ i: Int) -> Bool {
    i < 64 ? readBits & (1 << UInt64(i)) != 0 : moreReadBits[(i >> 6) - 1] & (1 << UInt64(i & 63)) != 0
  }
  private func markRead(_ i: Int) {
    if i < 64 { readBits |= 1 << UInt64(i) } else { moreReadBits[(i >> 6) - 1] |= 1 << UInt64(i & 63) }
  }

  /// The value node of `key`, or nil when absent or null.
  func value(_ key: String) -> YAMLNode? {
    readNames?.insert(key)
    guard let i = find(key) else { return nil }
    markRead(i)
    let v = doc.value(node, i)
    if doc.scalarKind(v) == .null { return nil }
    return v
  }

  /// Marks keys as valid Kubernetes fields that Garrison does not model.
  func ignore(_ keys: [String]) {
    readNames?.formUnion(keys)
    if let table {
      for key in keys { if let i = table[key] { markRead(i) } }
      return
    }
    for i in 0..<count where !isRead(i) {
      let k = doc.key(node, i)
      if keys.contains(where: { doc.scalar(k, equals: $0) }) { markRead(i) }
    }
  }

  /// Marks every key as a valid field that Garrison does not model (what `ignore(keyNames)` does).
  func ignoreAll() {
    for i in 0..<count { markRead(i) }
    if readNames != nil { readNames!.formUnion(keyNames) }
  }

  /// The keys' texts in order, as Yams' `Node.string` gives them (non-scalar keys mostly have none).
  var keyNames: [String] { (0..<count).compactMap { doc.string(ofKey: doc.key(node, $0)) } }

  /// Records an API-validation error of the object (see `DecodeContext.invalid`); decoding goes on.
  func report(_ e: GarrisonError) { context.invalid.append(e) }

  func error(_ key: String, _ message: String, node: YAMLNode? = nil) -> GarrisonError {
    GarrisonError(.invalid, message, field: path / key, at: node.map(context.location) ?? location)
  }

  func string(_ key: String) throws -> String? {
    guard let v = value(key) else { return nil }
    // The field path is built only for the error.
    guard doc.scalarKind(v) == .string, let s = doc.scalar(v) else { return try scalarString(v, field: path / key) }
    return s
  }

  func scalarString(_ v: YAMLNode, field: @autoclosure () -> FieldPath) throws -> String {
    guard doc.scalarKind(v) == .string, let s = doc.scalar(v) else {
      throw GarrisonError(.invalid, "expected a string, got \(NodeReader.kindName(v, doc))", field: field(), at: context.location(v))
    }
    return s
  }

  func bool(_ key: String) throws -> Bool? {
    guard let v = value(key) else { return nil }
    guard doc.scalarKind(v) == .bool, let s = doc.scalar(v), let b = ScalarKind.bool(s) else {
      throw error(key, "expected a boolean, got \(NodeReader.kindName(v, doc))", node: v)
    }
    return b
  }

  func int64(_ key: String) throws -> Int64? {
    guard let v = value(key) else { return nil }
    return try int64(v, field: self.path / key)
  }

  func int64(_ v: YAMLNode, field: @autoclosure () -> FieldPath) throws -> Int64 {
    guard doc.scalarKind(v) == .integer, let s = doc.scalar(v) else {
      throw GarrisonError(.invalid, "expected an integer, got \(NodeReader.kindName(v, doc))", field: field(), at: context.location(v))
    }
    if let n = NodeReader.yamlInteger(s) { return n }
    throw GarrisonError(.invalid, "integer \(s) is out of range", field: field(), at: context.location(v))
  }

  /// A YAML 1.1 integer as Kubernetes' YAML reader sees it: `0400` and `0o400` are octal, `0x1F` hex,
  /// `_` separators allowed; nil when out of range.
  static func yamlInteger(_ raw: String) -> Int64? {
    if let decimal = plainDecimal(raw) { return decimal }
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

  /// `yamlInteger` of the usual integer, `[-+]?(0|[1-9][0-9]*)` in ASCII, read from its bytes (`.some(nil)` when out
  /// of range, as there: the magnitude must fit); nil for any other text, which takes the general path.
  private static func plainDecimal(_ raw: String) -> Int64?? {
    var raw = raw
    return raw.withUTF8 { b -> Int64?? in
      var i = 0
      var negative = false
      if i < b.count && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) {
        negative = b[i] == UInt8(ascii: "-")
        i += 1
      }
      guard i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
      // A leading zero is octal unless it is the whole number.
      if b[i] == UInt8(ascii: "0") && b.count - i > 1 { return nil }
      var magnitude: Int64 = 0
      var overflow = false
      while i < b.count {
        let d = b[i]
        guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
        if !overflow {
          let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
          let (s, o2) = m.addingReportingOverflow(Int64(d - UInt8(ascii: "0")))
          if o1 || o2 { overflow = true } else { magnitude = s }
        }
        i += 1
      }
      return .some(overflow ? nil : (negative ? -magnitude : magnitude))
    }
  }

  func int32(_ key: String) throws -> Int32? {
    guard let n = try int64(key) else { return nil }
    guard let v = Int32(exactly: n) else { throw error(key, "value \(n) does not fit in a 32-bit integer", node: value(key)) }
    return v
  }

  /// A quantity: Kubernetes accepts strings and numbers.
  func quantity(_ v: YAMLNode, field: @autoclosure () -> FieldPath) throws -> Quantity {
    guard let kind = doc.scalarKind(v), [.string, .integer, .float].contains(kind), let s = doc.scalar(v) else {
      throw GarrisonError(.invalid, "expected a quantity, got \(NodeReader.kindName(v, doc))", field: field(), at: context.location(v))
    }
    do {
      return try Quantity(parsing: s)
    } catch let e as Quantity.ParseError {
      throw GarrisonError(.invalid, "invalid quantity \"\(s)\": \(e)", field: field(), at: context.location(v))
    }
  }

  func object(_ key: String) throws -> NodeReader? {
    guard let v = value(key) else { return nil }
    return try NodeReader(v, parent: self, key: key)
  }

  func objectReader<T>(_ key: String, _ decode: (NodeReader) throws -> T) throws -> T? {
    guard let r = try object(key) else { return nil }
    let value = try decode(r)
    r.finish()
    return value
  }

  /// A list whose items are decoded one by one with their index in the field path.
  func list<T>(_ key: String, _ decode: (YAMLNode, FieldPath) throws -> T) throws -> [T]? {
    guard let v = value(key) else { return nil }
    guard doc.kind(v) == .sequence else { throw error(key, "expected a list, got \(NodeReader.kindName(v, doc))", node: v) }
    var out: [T] = []
    let n = doc.count(v)
    out.reserveCapacity(n)
    let listPath = path / key
    for i in 0..<n {
      let item = doc.item(v, i)
      let p = listPath / i
      out.append(try decode(item, p))
    }
    return out
  }

  /// `list`, handing `decode` each item's index instead of its path (made only when asked: `path / key / i`).
  private func items<T>(_ key: String, _ decode: (YAMLNode, Int) throws -> T) throws -> [T]? {
    guard let v = value(key) else { return nil }
    guard doc.kind(v) == .sequence else { throw error(key, "expected a list, got \(NodeReader.kindName(v, doc))", node: v) }
    var out: [T] = []
    let n = doc.count(v)
    out.reserveCapacity(n)
    for i in 0..<n { out.append(try decode(doc.item(v, i), i)) }
    return out
  }

  func objectList<T>(_ key: String, _ decode: (NodeReader) throws -> T) throws -> [T] {
    try items(key) { item, i in
      let r = try NodeReader(item, parent: self, key: key, index: i)
      let value = try decode(r)
      r.finish()
      return value
    } ?? []
  }

  func stringList(_ key: String) throws -> [String]? {
    try items(key) { item, i in try scalarString(item, field: self.path / key / i) }
  }

  func int64List(_ key: String) throws -> [Int64]? {
    try items(key) { item, i in try int64(item, field: self.path / key / i) }
  }

  /// A string-to-string map (labels, annotations, ConfigMap data). As the API server's YAML-to-JSON step
  /// (sigs.k8s.io/yaml) makes them: a number or boolean key is its text (`1`, `0x10` → `16`, `yes` → `true`),
  /// and a null value is the empty string; a number or boolean value is a type error, as there.
  func stringMap(_ key: String) throws -> [String: String] {
    guard let r = try object(key) else { return [:] }
    var out: [String: String] = [:]
    for i in 0..<r.count {
      let k = doc.key(r.node, i), v = doc.value(r.node, i)
      let name = try r.mapKey(k)
      r.markRead(i)
      r.readNames?.insert(name)
      if out[name] != nil {
        // `1` and `"1"`, or `yes` and `true`: distinct YAML keys, one JSON key.
        throw GarrisonError(.invalid, "duplicate field \"\(name)\"", field: r.path.appending(key: name), at: context.location(k))
      }
      out[name] = doc.scalarKind(v) == .null ? "" : try r.scalarString(v, field: r.path.appending(key: name))
    }
    return out
  }

  /// A mapping key as JSON text: a string as is, an integer in decimal, a boolean `true`/`false`, a float as
  /// written; null or a collection is an error.
  func mapKey(_ k: YAMLNode) throws -> String {
    if let text = doc.mapKeyText(k) { return text }
    return try scalarString(k, field: path)
  }

  /// A map of resource name to quantity (limits, requests).
  func quantityMap(_ key: String) throws -> [String: Quantity] {
    guard let r = try object(key) else { return [:] }
    var out: [String: Quantity] = [:]
    for i in 0..<r.count {
      let k = doc.key(r.node, i), v = doc.value(r.node, i)
      let name = try r.scalarString(k, field: r.path)
      out[name] = try r.quantity(v, field: r.path.appending(key: name))
    }
    return out
  }

  /// Reports every key nobody read as an unknown field (a warning; `--strict` turns warnings into errors).
  func finish() {
    for i in 0..<count {
      let k = doc.key(node, i)
      if doc.kind(k) == .scalar {
        guard !isRead(i) else { continue }
      } else if let name = doc.string(ofKey: k), readNames?.contains(name) == true {
        continue
      }
      guard let name = doc.string(ofKey: k) else { continue }
      context.warnings.append(
        GarrisonError(.invalid, "unknown field \"\(name)\"", field: path / name, at: context.location(k)))
    }
  }

  static func kindName(_ node: YAMLNode, _ doc: YAMLDocument) -> String {
    switch doc.kind(node) {
    case .mapping: return "an object"
    case .sequence: return "a list"
    case .scalar:
      switch doc.scalarKind(node) {
      case .integer: return "an integer"
      case .float: return "a number"
      case .bool: return "a boolean"
      case .null: return "null"
      default: return "a string"
      }
    }
  }
}
