import CLibYAML
import Glibc

/// Why a YAML document could not be composed: libyaml's error kind, problem, context and position
/// (1-based, as Yams' `YamlError` reports them).
struct YAMLSyntaxError: Error {
  /// libyaml's error classes, plus the composer's own (undefined alias, several documents).
  enum Kind {
    case memory, reader, scanner, parser, composer
  }
  var kind: Kind
  var problem: String
  /// libyaml's context text (e.g. "while parsing a block mapping"), if any.
  var context: String?
  var line: Int
  var column: Int
  /// libyaml's context mark (1-based), e.g. where the plain scalar that failed starts.
  var contextLine = 0
  var contextColumn = 0
}

/// Composes one YAML document from libyaml's event stream (`yaml_parser_parse`) into a `YAMLDocument`, with
/// the semantics Garrison had with `Yams.compose`: the stream must hold at most one document; an alias stands
/// for the node its anchor last named (collections are named when complete, so a node cannot contain itself);
/// positions are each node's start mark; no merge keys or tag resolution (scalars are typed by `ScalarKind`).
///
/// Hostile input is bounded: collections nest at most `maxDepth` levels (deeper is a syntax error at the first
/// collection too deep, and libyaml is not asked for another event: its flow-context scanner costs time
/// quadratic in the nesting depth, and every consumer of the tree may recurse), and aliases may not make the
/// tree, with every alias expanded, larger than `maxExpandedNodes(_:)` (decoders walk an alias once per use, so
/// a few nested lists of aliases would otherwise cost time exponential in the input's size).
struct YAMLComposer {
  /// The deepest nesting of collections accepted (a top-level mapping is level 1).
  static let maxDepth = 1000

  /// The largest tree, aliases expanded, accepted for a document of `nodes` composed nodes: linear in them.
  static func maxExpandedNodes(_ nodes: Int) -> Int { 100_000 + 10 * nodes }

  /// Composes the UTF-8 text `input`; nil for a stream with no document.
  static func compose(_ input: UnsafeBufferPointer<UInt8>) throws(YAMLSyntaxError) -> YAMLDocument? {
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else {
      throw YAMLSyntaxError(kind: .memory, problem: "Memory error", context: nil, line: 1, column: 1)
    }
    defer { yaml_parser_delete(&parser) }
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    yaml_parser_set_input_string(&parser, input.baseAddress ?? UnsafePointer(Self.emptyInput), input.count)
    var composer = YAMLComposer()
    composer.reserve(forInputBytes: input.count)
    return try composer.run(&parser)
  }

  /// `compose`, reading a plain scalar of a flow collection that ends in `:` before `,`, `]` or `}` (`[a:, b]`,
  /// `{k: http:}`) as the API server's YAML reader (go-yaml) does: the `:` belongs to the scalar. libyaml 0.2
  /// refuses it ("found unexpected ':'"); the scalar is single-quoted and the document composed again, with the
  /// columns of later nodes on that line put back. Any other error, or one a retry cannot fix, is thrown as is.
  static func composeAcceptingFlowColons(_ input: UnsafeBufferPointer<UInt8>) throws(YAMLSyntaxError) -> YAMLDocument? {
    var first: YAMLSyntaxError
    do throws(YAMLSyntaxError) {
      return try compose(input)
    } catch {
      guard FlowColonQuoting.applies(to: error) else { throw error }
      first = error
    }
    var text = Array(input)
    var shifts: [FlowColonQuoting.Shift] = []
    var error = first
    // Each round fixes one scalar; a document with more than 256 such scalars keeps the first error.
    for _ in 0..<256 {
      guard let shift = FlowColonQuoting.quote(&text, line: error.contextLine, column: error.contextColumn) else { throw first }
      shifts.append(shift)
      do throws(YAMLSyntaxError) {
        let doc = try text.withUnsafeBufferPointer { b throws(YAMLSyntaxError) in try compose(b) }
        return doc.map { FlowColonQuoting.restoreColumns($0, shifts) }
      } catch let next {
        guard FlowColonQuoting.applies(to: next) else { throw first }
        error = next
      }
    }
    throw first
  }

  /// libyaml wants a non-null pointer even for empty input.
  private nonisolated(unsafe) static let emptyInput: UnsafeMutablePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
  }()

  private var entries: [YAMLDocument.Entry] = []
  private var children: [Int] = []
  private var bytes: [UInt8] = []
  private var anchors: [String: Int] = [:]
  /// Children of the collections being composed, innermost last; `frames` holds where each one's start.
  private var pending: [Int] = []
  private var frames: [(node: Int, firstChild: Int, anchor: String?)] = []
  /// Per node: the size of its subtree with aliases expanded (saturating a little above the limit).
  private var expandedSizes: [Int] = []

  /// Room for the nodes of a document of `n` bytes (a node takes a few bytes at least: `k: v` is two nodes in
  /// four), so the tables do not grow step by step; capped, as growth costs little against a large document.
  private mutating func reserve(forInputBytes n: Int) {
    let nodes = min(n / 4 + 8, 1 << 16)
    entries.reserveCapacity(nodes)
    expandedSizes.reserveCapacity(nodes)
    children.reserveCapacity(nodes)
    pending.reserveCapacity(min(nodes, 64))
    bytes.reserveCapacity(min(n, 1 << 20))
  }

  private mutating func run(_ parser: inout yaml_parser_t) throws(YAMLSyntaxError) -> YAMLDocument? {
    var event = yaml_event_t()
    try next(&parser, &event)  // STREAM-START
    yaml_event_delete(&event)
    if parser.stream_end_produced != 0 { return nil }
    try next(&parser, &event)
    if event.type == YAML_STREAM_END_EVENT {
      yaml_event_delete(&event)
      return nil
    }
    yaml_event_delete(&event)  // DOCUMENT-START
    var root: Int?
    while root == nil {
      try next(&parser, &event)
      defer { yaml_event_delete(&event) }
      root = try handle(event)
    }
    let doc = YAMLDocument(entries: entries, children: children, bytes: bytes, root: YAMLNode(index: root!))
    try next(&parser, &event)  // DOCUMENT-END
    yaml_event_delete(&event)
    try next(&parser, &event)
    defer { yaml_event_delete(&event) }
    if event.type != YAML_STREAM_END_EVENT {
      throw YAMLSyntaxError(
        kind: .composer, problem: "but found another document", context: "expected a single document in the stream",
        line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
    }
    return doc
  }

  private func next(_ parser: inout yaml_parser_t, _ event: inout yaml_event_t) throws(YAMLSyntaxError) {
    guard yaml_parser_parse(&parser, &event) == 1 else { throw Self.error(parser) }
  }

  /// Adds one node event to the tree; returns the root's index once the outermost node is complete.
  private mutating func handle(_ event: yaml_event_t) throws(YAMLSyntaxError) -> Int? {
    let line = Int32(truncatingIfNeeded: event.start_mark.line + 1)
    let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
    switch event.type {
    case YAML_SCALAR_EVENT:
      let s = event.data.scalar
      let start = bytes.count
      if s.length > 0 { bytes.append(contentsOf: UnsafeBufferPointer(start: s.value, count: s.length)) }
      // Yams gives quoted scalars the tag !!str; only an explicit !!value tag matters here.
      let valueTag = s.quoted_implicit != 1 && Self.isValueTag(s.tag)
      let style = YAMLDocument.ScalarStyle(rawValue: UInt8(truncatingIfNeeded: s.style.rawValue)) ?? .any
      let index = entries.count
      entries.append(.init(kind: .scalar, style: style, hasValueTag: valueTag, line: line, column: column, start: start, count: s.length))
      expandedSizes.append(1)
      if let anchor = Self.string(s.anchor) { anchors[anchor] = index }
      return added(index)
    case YAML_ALIAS_EVENT:
      let name = Self.string(event.data.alias.anchor) ?? ""
      guard let index = anchors[name] else {
        throw YAMLSyntaxError(kind: .composer, problem: "found undefined alias", context: nil, line: Int(line), column: Int(column))
      }
      return added(index)
    case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
      let isMapping = event.type == YAML_MAPPING_START_EVENT
      guard frames.count < Self.maxDepth else {
        throw YAMLSyntaxError(
          kind: .composer, problem: "collections nested deeper than \(Self.maxDepth) levels", context: nil,
          line: Int(line), column: Int(column))
      }
      // Yams reads both collections' anchor and tag through the same union layout.
      let data = event.data.sequence_start
      let valueTag = data.implicit == 0 && Self.isValueTag(data.tag)
      let index = entries.count
      entries.append(
        .init(kind: isMapping ? .mapping : .sequence, style: .any, hasValueTag: valueTag, line: line, column: column, start: 0, count: 0))
      expandedSizes.append(1)
      frames.append((index, pending.count, Self.string(data.anchor)))
      return nil
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      let frame = frames.removeLast()
      entries[frame.node].start = children.count
      entries[frame.node].count = pending.count - frame.firstChild
      children.append(contentsOf: pending[frame.firstChild...])
      let limit = Self.maxExpandedNodes(entries.count)
      var size = 1
      for child in pending[frame.firstChild...] { size = min(size + expandedSizes[child], limit + 1) }
      expandedSizes[frame.node] = size
      if size > limit {
        let e = entries[frame.node]
        throw YAMLSyntaxError(
          kind: .composer, problem: "aliases expand this collection to more than \(limit) nodes", context: nil,
          line: Int(e.line), column: Int(e.column))
      }
      pending.removeSubrange(frame.firstChild...)
      if let anchor = frame.anchor { anchors[anchor] = frame.node }
      return added(frame.node)
    default:
      // libyaml emits only node events inside a document.
      return nil
    }
  }

  /// Records a complete node as a child of the open collection, or returns it as the root.
  private mutating func added(_ index: Int) -> Int? {
    if frames.isEmpty { return index }
    pending.append(index)
    return nil
  }

  private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    guard let p else { return nil }
    return String(
      decoding: UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))), as: UTF8.self)
  }

  private static func isValueTag(_ p: UnsafeMutablePointer<yaml_char_t>?) -> Bool {
    guard let p else { return false }
    return strcmp(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self), "tag:yaml.org,2002:value") == 0
  }

  /// libyaml's error state as a `YAMLSyntaxError`, with the text and marks Yams' `YamlError` carried.
  static func error(_ parser: yaml_parser_t) -> YAMLSyntaxError {
    let problem = parser.problem.map { String(cString: $0) } ?? ""
    let context = parser.context.map { String(cString: $0) }
    let line = Int(parser.problem_mark.line) + 1
    let column = Int(parser.problem_mark.column) + 1
    switch parser.error {
    case YAML_MEMORY_ERROR: return YAMLSyntaxError(kind: .memory, problem: "Memory error", context: nil, line: 1, column: 1)
    case YAML_READER_ERROR: return YAMLSyntaxError(kind: .reader, problem: problem, context: nil, line: 1, column: 1)
    case YAML_SCANNER_ERROR:
      return YAMLSyntaxError(
        kind: .scanner, problem: problem, context: context, line: line, column: column,
        contextLine: Int(parser.context_mark.line) + 1, contextColumn: Int(parser.context_mark.column) + 1)
    case YAML_PARSER_ERROR: return YAMLSyntaxError(kind: .parser, problem: problem, context: context, line: line, column: column)
    default: return YAMLSyntaxError(kind: .composer, problem: problem, context: context, line: line, column: column)
    }
  }
}

/// The rewrite behind `YAMLComposer.composeAcceptingFlowColons`.
enum FlowColonQuoting {
  /// Characters inserted on a line: nodes after `column` (1-based, characters) moved right by `delta`.
  struct Shift {
    var line: Int
    var column: Int
    var delta: Int
  }

  static func applies(to e: YAMLSyntaxError) -> Bool {
    e.kind == .scanner && e.problem == "found unexpected ':'" && e.context == "while scanning a plain scalar"
      && e.contextLine > 0
  }

  /// Single-quotes the plain scalar starting at `line:column` (1-based; the column counts characters), ending
  /// where go-yaml ends a plain scalar in a flow collection (a blank or line end, `: `, a flow indicator, ` #`).
  static func quote(_ text: inout [UInt8], line: Int, column: Int) -> Shift? {
    var i = 0
    var l = 1
    while l < line && i < text.count {
      if text[i] == UInt8(ascii: "\n") { l += 1 }
      i += 1
    }
    var c = 1
    while c < column && i < text.count && text[i] != UInt8(ascii: "\n") {
      i += 1
      // A character is one lead byte and its continuation bytes.
      while i < text.count && text[i] & 0xC0 == 0x80 { i += 1 }
      c += 1
    }
    guard c == column, i < text.count else { return nil }
    let start = i
    func isBreak(_ b: UInt8) -> Bool { b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") }
    func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
    func isFlow(_ b: UInt8) -> Bool { Array(",?[]{}".utf8).contains(b) }
    func colonEnds(_ j: Int) -> Bool {
      text[j] == UInt8(ascii: ":") && (j + 1 >= text.count || isBlank(text[j + 1]) || isBreak(text[j + 1]))
    }
    var end = start
    var j = start
    while j < text.count, !isBreak(text[j]) {
      if isBlank(text[j]) {
        var k = j
        while k < text.count && isBlank(text[k]) { k += 1 }
        if k >= text.count || isBreak(text[k]) || text[k] == UInt8(ascii: "#") || isFlow(text[k]) || colonEnds(k) { break }
        j = k
        continue
      }
      if colonEnds(j) || isFlow(text[j]) { break }
      j += 1
      end = j
    }
    // Only the case libyaml refuses and go-yaml reads: the scalar ends in ':' right before a flow indicator.
    // Anything else (a position that does not match, e.g. after a lone CR line break) keeps the first error.
    guard end > start, text[end - 1] == UInt8(ascii: ":"), end < text.count, isFlow(text[end]) else { return nil }
    var quoted: [UInt8] = [UInt8(ascii: "'")]
    var delta = 2
    for b in text[start..<end] {
      quoted.append(b)
      if b == UInt8(ascii: "'") {
        quoted.append(b)
        delta += 1
      }
    }
    quoted.append(UInt8(ascii: "'"))
    text.replaceSubrange(start..<end, with: quoted)
    return Shift(line: line, column: column, delta: delta)
  }

  /// The document with every node's column as in the original text.
  static func restoreColumns(_ doc: YAMLDocument, _ shifts: [Shift]) -> YAMLDocument {
    var entries = doc.entries
    for s in shifts.reversed() {
      for i in entries.indices where Int(entries[i].line) == s.line && Int(entries[i].column) > s.column {
        entries[i].column -= Int32(s.delta)
      }
    }
    return YAMLDocument(entries: entries, children: doc.children, bytes: doc.bytes, root: doc.root)
  }
}
