/// Bytes written one piece after another into memory this value owns, growing it only when a piece does not fit:
/// each piece costs one capacity check and one copy (appending to an array also checks that its buffer is unique,
/// for each of the twenty-odd pieces of a finding's text). Used within one function: `withSink` makes one, hands
/// it to `body` and frees it. Not copyable: a copy would share the memory that the original's growth frees.
struct ByteSink: ~Copyable {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private var capacity: Int

  private init(capacity: Int) {
    self.capacity = max(capacity, 256)
    base = .allocate(capacity: self.capacity)
  }

  /// Calls `body` with an empty sink of about `capacity` bytes, then frees it; `body` reads what was written with
  /// `bytes` (valid only during the call).
  static func withSink<T>(capacity: Int, _ body: (inout ByteSink) throws -> T) rethrows -> T {
    var sink = ByteSink(capacity: capacity)
    defer { sink.base.deallocate() }
    return try body(&sink)
  }

  /// What `body` writes into a sink of about `capacity` bytes, handed on as they are (not copied into an array).
  static func collect(capacity: Int, _ body: (inout ByteSink) throws -> Void) rethrows -> OwnedBytes {
    var sink = ByteSink(capacity: capacity)
    do {
      try body(&sink)
    } catch {
      sink.base.deallocate()
      throw error
    }
    return OwnedBytes(taking: sink.base, count: sink.count)
  }

  /// What was written.
  var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    if count == capacity { grow(to: count + 1) }
    base[count] = byte
    count += 1
  }

  @inline(__always)
  mutating func append(_ piece: UnsafeBufferPointer<UInt8>) {
    guard let source = piece.baseAddress else { return }
    if count + piece.count > capacity { grow(to: count + piece.count) }
    (base + count).initialize(from: source, count: piece.count)
    count += piece.count
  }

  @inline(__always)
  mutating func append(_ piece: [UInt8]) {
    piece.withUnsafeBufferPointer { append($0) }
  }

  /// Appends a string's UTF-8 bytes, read in place (a native string's are contiguous: no copy of the string, so no
  /// retain and release of its storage).
  @inline(__always)
  mutating func append(_ s: String) {
    if s.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
      var s = s
      s.withUTF8 { append($0) }
    }
  }

  /// Appends a literal's UTF-8 bytes.
  @inline(__always)
  mutating func appendLiteral(_ s: StaticString) {
    append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
  }

  /// Appends `byte` `n` times.
  mutating func append(repeating byte: UInt8, count n: Int) {
    guard n > 0 else { return }
    if count + n > capacity { grow(to: count + n) }
    (base + count).initialize(repeating: byte, count: n)
    count += n
  }

  /// Drops the last `n` bytes written.
  mutating func removeLast(_ n: Int) {
    precondition(n >= 0 && n <= count)
    count -= n
  }

  @inline(never)
  private mutating func grow(to needed: Int) {
    let newCapacity = max(needed, 2 * capacity)
    let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBase.initialize(from: base, count: count)
    base.deallocate()
    base = newBase
    capacity = newCapacity
  }
}

/// Bytes a `ByteSink` wrote (or copied in), owned until the last reference goes: a group's report text is handed from
/// the worker that wrote it to the writer without a copy.
final class OwnedBytes: @unchecked Sendable {
  // Written once by the sink before this object exists; only read afterwards.
  private let base: UnsafeMutablePointer<UInt8>
  let count: Int

  init(taking base: UnsafeMutablePointer<UInt8>, count: Int) {
    self.base = base
    self.count = count
  }

  /// A copy of `text`'s UTF-8 bytes.
  convenience init(_ text: String) {
    var text = text
    let count = text.utf8.count
    let base = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
    text.withUTF8 { u in
      if let source = u.baseAddress { base.initialize(from: source, count: u.count) }
    }
    self.init(taking: base, count: count)
  }

  deinit { base.deallocate() }

  var isEmpty: Bool { count == 0 }

  /// The bytes, valid only during the call.
  func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
    try body(UnsafeBufferPointer(start: base, count: count))
  }
}
