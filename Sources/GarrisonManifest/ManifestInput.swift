import Foundation
import GarrisonCore

/// One input of `ManifestLoader.load`: already loaded (standard input, a missing path) or a file to parse.
public enum ManifestInput: Sendable {
  case loaded(name: String, LoadResult)
  case file(String)

  /// The file name its objects and errors carry (`-` for standard input).
  public var name: String {
    switch self {
    case .loaded(let name, _): return name
    case .file(let file): return file
    }
  }

  /// Its objects and errors (a file is read and parsed now).
  public func load(keepJSON: Bool) -> LoadResult {
    switch self {
    case .loaded(_, let result): return result
    case .file(let file): return ManifestLoader.parse(file: file, keepJSON: keepJSON)
    }
  }

  /// `load`, or nil when the input cannot hold an object of `kind` whose text has `key` (a file is read, and parsed
  /// only when it can): for a first pass that looks for objects of one kind, with one field, without parsing every
  /// file. `size` is set to the file's size in bytes (0 for an input already loaded or a file that cannot be read).
  public func load(keepJSON: Bool, ifItMayHold kind: String, with key: String, size: inout Int) -> LoadResult? {
    size = 0
    guard case .file(let file) = self else { return load(keepJSON: keepJSON) }
    guard let data = FileManager.default.contents(atPath: file) else { return load(keepJSON: keepJSON) }
    size = data.count
    let may = data.withUnsafeBytes { raw in
      let text = raw.bindMemory(to: UInt8.self)
      return Self.mayHold(kind: kind, text) && Self.mayContain(key, text)
    }
    return may ? ManifestLoader.parse(text: String(decoding: data, as: UTF8.self), file: file, keepJSON: keepJSON) : nil
  }

  /// Whether text can spell `key` (ASCII letters, digits, `.`, `-`, `/`, `_`): it holds its bytes, or an escape that
  /// can spell part of it (`isEscape`). A key is never folded over lines without a space or an escape.
  public static func mayContain(_ key: String, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
    let word = Array(key.utf8)
    guard let first = word.first else { return true }
    var i = 0
    while i < text.count {
      let b = text[i]
      if b == UInt8(ascii: "\\") && Self.isEscape(text, at: i) { return true }
      if b == first && i + word.count <= text.count {
        var j = 1
        while j < word.count && text[i + j] == word[j] { j += 1 }
        if j == word.count { return true }
      }
      i += 1
    }
    return false
  }

  /// Whether text can spell the scalar `kind` (an ASCII word): it holds the word with no letter, digit or `_`
  /// right before or after it, or an escape that can spell part of it (`isEscape`). YAML writes
  /// a scalar's characters as they are otherwise: plain or quoted, in a block or flow collection, after a tag or
  /// anchor; a folded line break makes a space, so a scalar split over lines is another word.
  public static func mayHold(kind: String, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
    let word = Array(kind.utf8)
    guard let first = word.first, text.count >= word.count else { return hasEscape(text) }
    func isWordByte(_ b: UInt8) -> Bool {
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }
    var i = 0
    let last = text.count - word.count
    while i < text.count {
      let b = text[i]
      if b == UInt8(ascii: "\\") && Self.isEscape(text, at: i) { return true }
      if b == first && i <= last && (i == 0 || !isWordByte(text[i - 1])) {
        var j = 1
        while j < word.count && text[i + j] == word[j] { j += 1 }
        if j == word.count && (i + j == text.count || !isWordByte(text[i + j])) { return true }
      }
      i += 1
    }
    return false
  }

  /// Whether the backslash at `i` may start an escape that gives a letter, digit, `.`, `-`, `/` or `_`, or nothing:
  /// `\x`, `\u`, `\U` (any character), `\/` (YAML and JSON), an escaped line break (a double-quoted scalar goes on
  /// after it). Every other escape of YAML's double-quoted scalars and JSON's strings gives a control character, a
  /// space, a quote, a backslash or a non-ASCII character; elsewhere a backslash is itself.
  static func isEscape(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
    guard i + 1 < text.count else { return true }
    switch text[i + 1] {
    case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"), UInt8(ascii: "/"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): return true
    default: return false
    }
  }

  /// Whether text holds a backslash that `isEscape`.
  static func hasEscape(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    text.indices.contains { text[$0] == UInt8(ascii: "\\") && isEscape(text, at: $0) }
  }
}
