import GarrisonCore

/// The positions of one object's fields: field path text (`spec.containers[0].image`) → `line:col`, all in one
/// file. Kept as plain numbers, so recording a field costs no reference counting of the file name.
struct LocationTable: Sendable {
  /// The file every position is in.
  let file: String
  private var positions: [String: Position] = [:]

  private struct Position {
    var line: Int
    var column: Int
  }

  init(file: String) {
    self.file = file
    // A pod records a few dozen fields: start with room for them instead of growing step by step.
    positions.reserveCapacity(32)
  }

  /// The position recorded for `key`; setting one keeps its line and column (the file is the table's).
  subscript(key: String) -> SourceLocation? {
    get { positions[key].map { SourceLocation(file: file, line: $0.line, column: $0.column) } }
    set { positions[key] = newValue.map { Position(line: $0.line, column: $0.column) } }
  }

  /// Records `line:col` for `key`.
  mutating func set(_ key: String, line: Int, column: Int) { positions[key] = Position(line: line, column: column) }

  /// Whether a position is recorded for `key`.
  func contains(_ key: String) -> Bool { positions[key] != nil }
}
