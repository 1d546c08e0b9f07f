import GarrisonCore
import Glibc

/// The positions of one object's fields: field path text (`spec.containers[0].image`) → `line:col`, all in one
/// file. Stored compactly: the keys' bytes in one buffer, one small entry per field and an index of entry
/// numbers (open addressing, seeded hashing: keys such as label names come from the input), so an object's table
/// is three allocations however many fields it records, and holds no `String` per field.
struct LocationTable: Sendable {
  /// The file every position is in.
  let file: String
  private var keyBytes: [UInt8] = []
  private var entries: [Entry] = []
  /// Entry number + 1 per slot (0: empty); the count is a power of two, at most half full.
  private var slots: [Int32] = []

  private struct Entry {
    var start: Int
    var count: Int
    var line: Int32
    var column: Int32
  }

  init(file: String) {
    self.file = file
  }

  /// The position recorded for `key`; setting one keeps its line and column (the file is the table's).
  subscript(key: String) -> SourceLocation? {
    get {
      var key = key
      return key.withUTF8 { k in find(k).map { SourceLocation(file: file, line: Int(entries[$0].line), column: Int(entries[$0].column)) } }
    }
    set {
      guard let newValue else { return }
      set(key, line: newValue.line, column: newValue.column)
    }
  }

  /// The position recorded for the key whose UTF-8 text is `key`.
  func location(utf8 key: UnsafeBufferPointer<UInt8>) -> SourceLocation? {
    find(key).map { SourceLocation(file: file, line: Int(entries[$0].line), column: Int(entries[$0].column)) }
  }

  /// Records `line:col` for `key` (a later record of the same key replaces the earlier one).
  mutating func set(_ key: String, line: Int, column: Int) {
    var key = key
    key.withUTF8 { k in set(utf8: k, line: line, column: column) }
  }

  private mutating func set(utf8 k: UnsafeBufferPointer<UInt8>, line: Int, column: Int) {
    set(line: line, column: column) { $0.append(contentsOf: k) }
  }

  /// Records `line:col` for the child field `parent.field` (`field` alone under the root), without making the
  /// key's `String`.
  mutating func set(_ parent: String, field: String, line: Int, column: Int) {
    set(line: line, column: column) { bytes in
      if !parent.isEmpty {
        bytes.append(contentsOf: parent.utf8)
        bytes.append(UInt8(ascii: "."))
      }
      bytes.append(contentsOf: field.utf8)
    }
  }

  /// Records `line:col` for the list item `parent[index]`.
  mutating func set(_ parent: String, index: Int, line: Int, column: Int) {
    set(line: line, column: column) { bytes in
      bytes.append(contentsOf: parent.utf8)
      bytes.append(UInt8(ascii: "["))
      bytes.append(contentsOf: String(index).utf8)
      bytes.append(UInt8(ascii: "]"))
    }
  }

  /// Records `line:col` for the map entry `parent[key]`.
  mutating func set(_ parent: String, key: String, line: Int, column: Int) {
    set(line: line, column: column) { bytes in
      bytes.append(contentsOf: parent.utf8)
      bytes.append(UInt8(ascii: "["))
      bytes.append(contentsOf: key.utf8)
      bytes.append(UInt8(ascii: "]"))
    }
  }

  /// Records `line:col` for the key `write` appends to the key buffer; the bytes are dropped again when the key
  /// is already recorded (its position is replaced, as a dictionary's value would be).
  private mutating func set(line: Int, column: Int, _ write: (inout [UInt8]) -> Void) {
    let line = Int32(truncatingIfNeeded: line), column = Int32(truncatingIfNeeded: column)
    let start = keyBytes.count
    write(&keyBytes)
    let count = keyBytes.count - start
    let existing = keyBytes.withUnsafeBufferPointer { b in find(UnsafeBufferPointer(rebasing: b[start...])) }
    if let i = existing {
      keyBytes.removeSubrange(start...)
      entries[i].line = line
      entries[i].column = column
      return
    }
    if (entries.count + 1) * 2 > slots.count { grow() }
    entries.append(Entry(start: start, count: count, line: line, column: column))
    let h = keyBytes.withUnsafeBufferPointer { b in Self.hash(UnsafeBufferPointer(rebasing: b[start...])) }
    insert(entries.count - 1, hash: h)
  }

  /// Whether a position is recorded for `key`.
  func contains(_ key: String) -> Bool {
    var key = key
    return key.withUTF8 { find($0) != nil }
  }

  private static func hash(_ k: UnsafeBufferPointer<UInt8>) -> Int {
    var h = Hasher()
    h.combine(bytes: UnsafeRawBufferPointer(k))
    return h.finalize()
  }

  /// The entry of `k`, if recorded.
  private func find(_ k: UnsafeBufferPointer<UInt8>) -> Int? {
    guard !slots.isEmpty else { return nil }
    let mask = slots.count - 1
    var s = Self.hash(k) & mask
    while true {
      let e = Int(slots[s]) - 1
      if e < 0 { return nil }
      if equals(e, k) { return e }
      s = (s + 1) & mask
    }
  }

  private func equals(_ e: Int, _ k: UnsafeBufferPointer<UInt8>) -> Bool {
    let entry = entries[e]
    guard entry.count == k.count else { return false }
    if k.isEmpty { return true }
    return keyBytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + entry.start, k.baseAddress!, k.count) == 0 }
  }

  private mutating func insert(_ e: Int, hash: Int) {
    let mask = slots.count - 1
    var s = hash & mask
    while slots[s] != 0 { s = (s + 1) & mask }
    slots[s] = Int32(truncatingIfNeeded: e + 1)
  }

  private mutating func grow() {
    slots = [Int32](repeating: 0, count: max(64, slots.count * 2))
    let bytes = keyBytes
    let all = entries
    bytes.withUnsafeBufferPointer { b in
      for (e, entry) in all.enumerated() {
        insert(e, hash: Self.hash(UnsafeBufferPointer(rebasing: b[entry.start..<entry.start + entry.count])))
      }
    }
  }
}
