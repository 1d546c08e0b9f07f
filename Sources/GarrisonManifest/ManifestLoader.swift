import Foundation
import GarrisonCore
import Yams

/// What loading manifests produced: the objects, per-document errors (the rest still loads), and warnings.
public struct LoadResult: Sendable {
  public var objects: [ManifestObject] = []
  /// Unreadable files and documents that do not parse or are invalid, each with `file:line:col`.
  public var errors: [GarrisonError] = []
  /// Unknown fields (errors under `--strict`).
  public var warnings: [GarrisonError] = []
  /// How many documents were read.
  public var documentCount = 0
  public init() {}

  mutating func merge(_ other: LoadResult) {
    objects += other.objects
    errors += other.errors
    warnings += other.warnings
    documentCount += other.documentCount
  }
}

/// Reads manifests from files, directories (recursive, `*.yaml|*.yml|*.json`) and standard input (`-`).
public enum ManifestLoader {
  /// Loads every path; never throws: problems are collected per file and per document.
  public static func load(paths: [String]) -> LoadResult {
    var result = LoadResult()
    for path in paths {
      if path == "-" {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        result.merge(parse(text: String(decoding: data, as: UTF8.self), file: "-"))
        continue
      }
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        result.errors.append(GarrisonError(.notFound, "no such file or directory", at: SourceLocation(file: path, line: 0, column: 0)))
        continue
      }
      let files = isDir.boolValue ? manifestFiles(under: path) : [path]
      for file in files {
        guard let data = FileManager.default.contents(atPath: file) else {
          result.errors.append(GarrisonError(.notFound, "cannot read file", at: SourceLocation(file: file, line: 0, column: 0)))
          continue
        }
        result.merge(parse(text: String(decoding: data, as: UTF8.self), file: file))
      }
    }
    return result
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
  public static func parse(text: String, file: String) -> LoadResult {
    var result = LoadResult()
    for chunk in DocumentSplitter.split(text, isJSON: file.lowercased().hasSuffix(".json")) {
      let node: Node?
      do {
        // Scalars are typed by ScalarKind (YAML 1.1 rules, no regular expressions).
        node = try Yams.compose(yaml: chunk.text, Resolver.basic)
      } catch {
        result.documentCount += 1
        result.errors.append(syntaxError(error, file: file, lineOffset: chunk.lineOffset))
        continue
      }
      guard let node else { continue }
      result.documentCount += 1
      let context = DecodeContext(file: file, lineOffset: chunk.lineOffset)
      do {
        result.objects += try ObjectDecoder.decode(node, context: context)
      } catch let e as GarrisonError {
        result.errors.append(e)
      } catch {
        result.errors.append(GarrisonError(.invalid, "\(error)", at: context.location(node)))
      }
      result.warnings += context.warnings
    }
    return result
  }

  static func syntaxError(_ error: Error, file: String, lineOffset: Int) -> GarrisonError {
    guard let y = error as? YamlError else {
      return GarrisonError(.syntax, "\(error)", at: SourceLocation(file: file, line: lineOffset + 1, column: 1))
    }
    switch y {
    case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _),
      .composer(let ctx, let problem, let mark, _):
      let text = [problem, ctx.map { "\($0.text)" }].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
      return GarrisonError(.syntax, "invalid YAML: \(text)", at: SourceLocation(file: file, line: mark.line + lineOffset, column: mark.column))
    case .reader(let problem, _, _, _):
      return GarrisonError(.syntax, "invalid input: \(problem)", at: SourceLocation(file: file, line: lineOffset + 1, column: 1))
    default:
      return GarrisonError(.syntax, "invalid YAML: \(y)", at: SourceLocation(file: file, line: lineOffset + 1, column: 1))
    }
  }
}

/// Splits a multi-document YAML stream at `---` lines, keeping each document's first line number.
enum DocumentSplitter {
  struct Chunk {
    var text: String
    var lineOffset: Int
  }

  static func split(_ text: String, isJSON: Bool) -> [Chunk] {
    if isJSON { return [Chunk(text: text, lineOffset: 0)] }
    var chunks: [Chunk] = []
    var current: [Substring] = []
    var start = 0
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    for (i, line) in lines.enumerated() {
      let isMarker = line == "---" || line.hasPrefix("--- ") || line.hasPrefix("---\t") || line == "---\r"
      let isEnd = line == "..." || line == "...\r"
      if isMarker || isEnd {
        if !current.isEmpty { chunks.append(Chunk(text: current.joined(separator: "\n"), lineOffset: start)) }
        current = isMarker ? [line] : []
        start = isMarker ? i : i + 1
        continue
      }
      current.append(line)
    }
    if !current.isEmpty { chunks.append(Chunk(text: current.joined(separator: "\n"), lineOffset: start)) }
    return chunks
  }
}
