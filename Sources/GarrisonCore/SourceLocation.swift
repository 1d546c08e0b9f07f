/// A position in an input file: 1-based line and column, as editors and compilers print them.
public struct SourceLocation: Hashable, Codable, Sendable, CustomStringConvertible {
  /// The file the position is in (`-` for standard input).
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:col`.
  public var description: String { "\(file):\(line):\(column)" }
}
