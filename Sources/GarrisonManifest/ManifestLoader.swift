import Foundation
import GarrisonCore

/// What loading manifests produced: the objects, per-document errors (the rest still loads), and warnings.
public struct LoadResult: Sendable {
  /// Objects that passed API validation: the only ones a command may act on.
  public var objects: [ManifestObject] = []
  /// Objects with API-validation errors (`ManifestObject.validationErrors`), modelled as far as they could be
  /// read: lint reports the errors and checks the rest; every other command refuses them (their errors are in
  /// `errors`).
  public var partial: [ManifestObject] = []
  /// Every error, each with `file:line:col`: unreadable files, documents that do not parse or cannot be
  /// modelled (`documentErrors`), and the validation errors of the `partial` objects.
  public var errors: [GarrisonError] = []
  /// Unreadable files and documents that do not parse or cannot be modelled (a type error, a duplicate key, no
  /// kind or pod spec): nothing of them is checked.
  public var documentErrors: [GarrisonError] = []
  /// Unknown fields (errors under `--strict`).
  public var warnings: [GarrisonError] = []
  /// How many documents were read.
  public var documentCount = 0
  /// Objects of kinds Garrison does not model: valid input that read-only commands count and skip.
  public var skipped: [SkippedObject] = []
  public init() {}

  /// Records an error of a whole document or file.
  mutating func documentError(_ e: GarrisonError) {
    errors.append(e)
    documentErrors.append(e)
  }

  /// Appends another input's result (objects, errors and warnings after this one's).
  public mutating func merge(_ other: LoadResult) {
    // Into an empty result (a file's own), the lists are taken as they are, not copied element by element.
    if objects.isEmpty { objects = other.objects } else { objects += other.objects }
    if partial.isEmpty { partial = other.partial } else { partial += other.partial }
    skipped += other.skipped
    errors += other.errors
    documentErrors += other.documentErrors
    warnings += other.warnings
    documentCount += other.documentCount
  }
}

/// Reads manifests from files, directories (recursive, `*.yaml|*.yml|*.json`) and standard input (`-`).
public enum ManifestLoader {
  /// Loads every path; never throws: problems are collected per file and per document. Files are parsed in
  /// parallel; results are merged in input order. `keepJSON: false` leaves out the JSON copies of pod specs and
  /// workloads (`PodTemplate.specJSON`, `ManifestObject.source`), which only commands that run pods need.
  public static func load(paths: [String], keepJSON: Bool = true) -> LoadResult {
    load(inputs(paths: paths, keepJSON: keepJSON), keepJSON: keepJSON)
  }

  /// `load(paths:keepJSON:)` of inputs already listed (`inputs(paths:keepJSON:)`).
  public static func load(_ inputs: [ManifestInput], keepJSON: Bool = true) -> LoadResult {
    var results = Parallel.map(inputs) { $0.load(keepJSON: keepJSON) }
    var result = LoadResult()
    for i in results.indices {
      result.merge(results[i])
      // Released once merged: the objects are not held twice.
      results[i] = LoadResult()
    }
    return result
  }

  /// The inputs `paths` name, in order: directories expanded (`manifestFiles(under:)`), standard input read and
  /// parsed now, a missing path as its error.
  public static func inputs(paths: [String], keepJSON: Bool = true) -> [ManifestInput] {
    var inputs: [ManifestInput] = []
    for path in paths {
      if path == "-" {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        inputs.append(.loaded(name: "-", parse(text: String(decoding: data, as: UTF8.self), file: "-", keepJSON: keepJSON)))
        continue
      }
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        var missing = LoadResult()
        missing.documentError(GarrisonError(.notFound, "no such file or directory", at: SourceLocation(file: path, line: 0, column: 0)))
        inputs.append(.loaded(name: path, missing))
        continue
      }
      let files = isDir.boolValue ? manifestFiles(under: path) : [path]
      inputs += files.map { .file($0) }
    }
    return inputs
  }

  /// Reads and parses one file.
  static func parse(file: String, keepJSON: Bool = true) -> LoadResult {
    guard let data = FileManager.default.contents(atPath: file) else {
      var unreadable = LoadResult()
      unreadable.documentError(GarrisonError(.notFound, "cannot read file", at: SourceLocation(file: file, line: 0, column: 0)))
      return unreadable
    }
    return parse(text: String(decoding: data, as: UTF8.self), file: file, keepJSON: keepJSON)
  }

  /// Manifest files under a directory, sorted for deterministic output.
  public static func manifestFiles(under dir: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    var out: [String] = []
    while let rel = e.nextObject() as? String {
      let lower = rel.lowercased()
      if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") {
        out.append((dir as NSString).appendingPathComponent(rel))
      }
    }
    return out.sorted()
  }

  /// Parses one file's text: every document separately, so one broken document does not hide the others.
  public static func parse(text: String, file: String, keepJSON: Bool = true) -> LoadResult {
    var result = LoadResult()
    var text = text
    let isJSON = file.lowercased().hasSuffix(".json")
    text.withUTF8 { utf8 in
      for chunk in DocumentSplitter.split(utf8, isJSON: isJSON) {
        let doc: YAMLDocument?
        do throws(YAMLSyntaxError) {
          // Scalars are typed by ScalarKind (YAML 1.1 rules, no regular expressions).
          doc = try YAMLComposer.composeAcceptingFlowColons(UnsafeBufferPointer(rebasing: utf8[chunk.range]))
        } catch {
          result.documentCount += 1
          result.documentError(syntaxError(error, file: file, lineOffset: chunk.lineOffset))
          continue
        }
        guard let doc else { continue }
        result.documentCount += 1
        // An empty document (a trailing `---`, or one holding only comments) is no object, as for kubectl.
        if doc.scalarKind(doc.root) == .null { continue }
        let context = DecodeContext(doc: doc, root: doc.root, file: file, lineOffset: chunk.lineOffset, keepJSON: keepJSON)
        do {
          // Each object moved out of the decoder's list into the result, not copied (reversed once, then taken
          // from the end in order).
          var decoded = try ObjectDecoder.decode(doc.root, context: context)
          decoded.reverse()
          while let object = decoded.popLast() {
            if object.validationErrors.isEmpty {
              result.objects.append(object)
            } else {
              result.partial.append(object)
              result.errors += object.validationErrors
            }
          }
        } catch var e as GarrisonError {
          // Every error of a document has a position: one without its own points at the document.
          if e.location == nil { e.location = context.location(doc.root) }
          result.documentError(e)
        } catch {
          result.documentError(GarrisonError(.invalid, "\(error)", at: context.location(doc.root)))
        }
        result.warnings += context.warnings
        result.skipped += context.skipped
      }
    }
    return result
  }

  static func syntaxError(_ error: YAMLSyntaxError, file: String, lineOffset: Int) -> GarrisonError {
    switch error.kind {
    case .scanner, .parser, .composer:
      let text = [error.problem, error.context].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
      return GarrisonError(
        .syntax, "invalid YAML: \(text)", at: SourceLocation(file: file, line: error.line + lineOffset, column: error.column))
    case .reader:
      return GarrisonError(.syntax, "invalid input: \(error.problem)", at: SourceLocation(file: file, line: lineOffset + 1, column: 1))
    case .memory:
      return GarrisonError(.syntax, "invalid YAML: Memory error", at: SourceLocation(file: file, line: lineOffset + 1, column: 1))
    }
  }
}

/// Splits a multi-document YAML stream at `---` lines, keeping each document's first line number. Works on the
/// UTF-8 bytes: a line ends at every `\n` (a CRLF file's `---\r` is a marker, as for kubectl's YAML reader), and
/// a marker line is compared as characters when a non-ASCII byte follows `--- `.
enum DocumentSplitter {
  struct Chunk {
    /// The document's bytes: whole lines, without the line break before the next marker.
    var range: Range<Int>
    var lineOffset: Int
  }

  static func split(_ text: UnsafeBufferPointer<UInt8>, isJSON: Bool) -> [Chunk] {
    if isJSON { return [Chunk(range: 0..<text.count, lineOffset: 0)] }
    let lf = UInt8(ascii: "\n")
    var chunks: [Chunk] = []
    var chunkStart: Int?
    var start = 0
    var lineStart = 0
    var lineNumber = 0
    while true {
      var end = lineStart
      while end < text.count && text[end] != lf { end += 1 }
      let line = UnsafeBufferPointer(rebasing: text[lineStart..<end])
      let isMarker = isMarkerLine(line)
      let isEnd = equals(line, "...") || equals(line, "...\r")
      if isMarker || isEnd {
        if let from = chunkStart { chunks.append(Chunk(range: from..<lineStart - 1, lineOffset: start)) }
        chunkStart = isMarker ? lineStart : nil
        start = isMarker ? lineNumber : lineNumber + 1
      } else if chunkStart == nil {
        chunkStart = lineStart
      }
      if end == text.count { break }
      lineStart = end + 1
      lineNumber += 1
    }
    if let from = chunkStart { chunks.append(Chunk(range: from..<text.count, lineOffset: start)) }
    return chunks
  }

  private static func equals(_ line: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
    line.count == word.utf8CodeUnitCount && line.elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
  }

  /// `---` alone, or followed by a space or tab (then the rest of the line is the document's first content).
  static func isMarkerLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    if equals(line, "---") || equals(line, "---\r") { return true }
    guard line.count >= 4, line[0] == UInt8(ascii: "-"), line[1] == UInt8(ascii: "-"), line[2] == UInt8(ascii: "-"),
      line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "\t")
    else { return false }
    // A combining mark after the space or tab makes one character of both: not a marker.
    if line.count > 4 && line[4] >= 0x80 {
      let s = String(decoding: line, as: UTF8.self)
      return s.hasPrefix("--- ") || s.hasPrefix("---\t")
    }
    return true
  }
}
