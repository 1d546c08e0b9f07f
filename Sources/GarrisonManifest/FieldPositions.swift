import GarrisonCore
import Glibc

/// Where an object's fields are written: a field path's `file:line:col` is its key's position (a list item's
/// own position), found by walking the object's composed YAML document when asked, so decoding records nothing per
/// field. A path is found by its text (`FieldPath.description`), as the decoders name what they read: a field is
/// `parent.key` (`key` alone at the top), a list item `parent[i]`, a map entry `parent[key]` with the key's JSON
/// text (`YAMLDocument.mapKeyText`); so a path parsed from dotted text (`FieldPath("metadata.annotations[a]")`)
/// finds what the same text names.
struct FieldPositions: Sendable {
  /// The file every position is in.
  let file: String
  let doc: YAMLDocument
  /// The object's node: the document's root, or a `List` item.
  let root: YAMLNode
  /// Added to the document's line numbers (the document's first line in the file, less one).
  let lineOffset: Int

  /// The position of `path` when all of it is written; nil otherwise. The empty path is the object's node.
  func location(of path: FieldPath) -> SourceLocation? {
    var text = path.description
    return text.withUTF8 { t in
      reachedNodes(t) { reached in reached[t.count] < 0 ? nil : position(YAMLNode(index: Int(reached[t.count]))) }
    }
  }

  /// The position of the longest prefix of `path` (one step at least) that is written; nil when not even its first
  /// step is.
  func nearest(_ path: FieldPath) -> SourceLocation? {
    let steps = path.steps
    // The text of each prefix of the path is a prefix of the path's text: written once, in a scratch buffer, with
    // where each step ends.
    var size = 0
    for step in steps {
      switch step {
      case .field(let f): size += f.utf8.count + 1
      case .index: size += 22
      case .key(let k): size += k.utf8.count + 2
      }
    }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { text in
      withUnsafeTemporaryAllocation(of: Int.self, capacity: steps.count) { ends in
        var n = 0
        // A step's text in one copy (not byte by byte through the string's view).
        // The closures return how much they wrote (updating `n` inside them made each access to it a checked one).
        func put(_ s: String) {
          let to = text.baseAddress! + n
          func copy(_ u: UnsafeBufferPointer<UInt8>) -> Int {
            if let base = u.baseAddress, !u.isEmpty { to.initialize(from: base, count: u.count) }
            return u.count
          }
          if let written = s.utf8.withContiguousStorageIfAvailable(copy) {
            n += written
          } else {
            var s = s
            n += s.withUTF8(copy)
          }
        }
        func put(_ b: UInt8) {
          text[n] = b
          n += 1
        }
        for (i, step) in steps.enumerated() {
          switch step {
          case .field(let f):
            if n > 0 { put(UInt8(ascii: ".")) }
            put(f)
          case .index(let index):
            put(UInt8(ascii: "["))
            if index >= 0 && index < 10 {
              // The usual list index, one digit: `String(index)`'s text without making the string.
              put(UInt8(ascii: "0") + UInt8(index))
            } else {
              put(String(index))
            }
            put(UInt8(ascii: "]"))
          case .key(let k):
            put(UInt8(ascii: "["))
            put(k)
            put(UInt8(ascii: "]"))
          }
          ends[i] = n
        }
        return reachedNodes(UnsafeBufferPointer(rebasing: text[..<n])) { reached in
          for i in stride(from: steps.count - 1, through: 0, by: -1) where reached[ends[i]] >= 0 {
            return position(YAMLNode(index: Int(reached[ends[i]])))
          }
          return nil
        }
      }
    }
  }

  private func position(_ node: YAMLNode) -> SourceLocation {
    SourceLocation(file: file, line: doc.line(node) + lineOffset, column: doc.column(node))
  }

  /// Calls `body` with the nodes each prefix of `t` names (`walk`); the empty text names the object's node.
  private func reachedNodes<T>(_ t: UnsafeBufferPointer<UInt8>, _ body: (UnsafeMutableBufferPointer<Int32>) -> T) -> T {
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: t.count + 1) { reached in
      reached.initialize(repeating: -1)
      reached[0] = Int32(truncatingIfNeeded: root.index)
      var walked: Set<Int>?
      walk(t, root, 0, reached, &walked)
      return body(reached)
    }
  }

  /// Marks in `reached` (per UTF-8 offset of `t`: a node index, or -1) the node whose position each prefix of `t`
  /// ending at a step names, walking down from `node`, whose text is `t[..<offset]`; a text several nodes spell
  /// (keys holding dots or brackets, duplicate keys in a mapping no decoder read) keeps the first found. Every step
  /// consumes text; once two keys of a mapping match, `walked` remembers each node and offset walked from, so
  /// a hostile document (duplicate keys under aliases) costs at most its nodes times the text's length.
  private func walk(
    _ t: UnsafeBufferPointer<UInt8>, _ node: YAMLNode, _ offset: Int, _ reached: UnsafeMutableBufferPointer<Int32>,
    _ walked: inout Set<Int>?
  ) {
    guard offset < t.count else { return }
    if walked != nil, !walked!.insert(node.index &* (t.count + 1) &+ offset).inserted { return }
    let next = t[offset]
    switch doc.kind(node) {
    case .scalar:
      return
    case .sequence:
      guard next == UInt8(ascii: "["), let (index, end) = Self.index(t, offset + 1), index < doc.count(node) else { return }
      let item = doc.item(node, index)
      if reached[end] < 0 { reached[end] = Int32(truncatingIfNeeded: item.index) }
      walk(t, item, end, reached, &walked)
    case .mapping:
      // A field: `.key` (`key` at the start); a map entry: `[key]`.
      let fieldStart = offset == 0 ? 0 : (next == UInt8(ascii: ".") ? offset + 1 : -1)
      var matched = 0
      for i in 0..<doc.count(node) {
        let k = doc.key(node, i)
        var end: Int?
        if fieldStart >= 0, let e = doc.matchScalar(k, t, fieldStart), e > offset {
          end = e
        } else if next == UInt8(ascii: "["), let e = doc.matchMapKey(k, t, offset + 1), e < t.count, t[e] == UInt8(ascii: "]") {
          end = e + 1
        }
        guard let end else { continue }
        matched += 1
        if matched == 2 && walked == nil { walked = [] }
        if reached[end] < 0 { reached[end] = Int32(truncatingIfNeeded: k.index) }
        walk(t, doc.value(node, i), end, reached, &walked)
      }
    }
  }

  /// A list index written `[i]` as `String(i)` writes it, from `t[start...]`: the index and the offset after `]`.
  private static func index(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> (Int, Int)? {
    var i = start
    var n = 0
    while i < t.count, t[i] >= UInt8(ascii: "0"), t[i] <= UInt8(ascii: "9"), i - start < 18 {
      n = n * 10 + Int(t[i] - UInt8(ascii: "0"))
      i += 1
    }
    guard i > start, i < t.count, t[i] == UInt8(ascii: "]") else { return nil }
    // `[01]` is no index's text.
    if t[start] == UInt8(ascii: "0") && i - start > 1 { return nil }
    return (n, i + 1)
  }
}

extension YAMLDocument {
  /// Where a scalar's text ends in `t` if `t[start...]` begins with it; nil otherwise (or for a collection).
  func matchScalar(_ n: YAMLNode, _ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
    let e = entries[n.index]
    guard e.kind == .scalar, e.count <= t.count - start else { return nil }
    if e.count == 0 { return start }
    let equal = bytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + e.start, t.baseAddress! + start, e.count) == 0 }
    return equal ? start + e.count : nil
  }

  /// `matchScalar` of a mapping key's JSON text (`mapKeyText`): a string key's text as is.
  func matchMapKey(_ k: YAMLNode, _ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
    guard kind(k) == .scalar else { return nil }
    if scalarKind(k) == .string { return matchScalar(k, t, start) }
    guard let text = mapKeyText(k) else { return nil }
    let u = Array(text.utf8)
    guard u.count <= t.count - start, u.elementsEqual(UnsafeBufferPointer(rebasing: t[start..<start + u.count])) else { return nil }
    return start + u.count
  }

  /// A mapping key as JSON text (what the API server's YAML-to-JSON step makes of it): a string as is, an
  /// integer in decimal, a boolean `true`/`false`, a float as written; nil for null or a collection.
  func mapKeyText(_ k: YAMLNode) -> String? {
    switch scalarKind(k) {
    case .string?: return scalar(k) ?? ""
    case .integer?:
      let text = scalar(k) ?? ""
      return NodeReader.yamlInteger(text).map { String($0) } ?? text
    case .bool?: return ScalarKind.bool(scalar(k) ?? "") == true ? "true" : "false"
    case .float?: return scalar(k) ?? ""
    default: return nil
    }
  }
}
