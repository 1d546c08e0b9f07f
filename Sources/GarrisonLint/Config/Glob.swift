/// Shell-style wildcard matching with `*` (any run of characters) and `?` (one character), used by
/// exemptions for names and images.
public struct Glob: Hashable, Sendable, CustomStringConvertible {
  public let pattern: String
  private let chars: [Character]

  public init(_ pattern: String) {
    self.pattern = pattern
    self.chars = Array(pattern)
  }

  public var description: String { pattern }

  /// Whether the whole of `text` matches the pattern.
  public func matches(_ text: String) -> Bool {
    let t = Array(text)
    var p = 0, s = 0
    var star = -1, mark = 0
    while s < t.count {
      if p < chars.count && (chars[p] == "?" || chars[p] == t[s]) {
        p += 1
        s += 1
      } else if p < chars.count && chars[p] == "*" {
        star = p
        mark = s
        p += 1
      } else if star >= 0 {
        p = star + 1
        mark += 1
        s = mark
      } else {
        return false
      }
    }
    while p < chars.count && chars[p] == "*" { p += 1 }
    return p == chars.count
  }
}
