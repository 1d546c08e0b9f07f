import Dispatch

/// Ordered parallel map for independent, CPU-bound work (one manifest file, one batch of objects to lint): runs
/// `transform` over `items` on every core with `DispatchQueue.concurrentPerform` and returns the results in input
/// order, so output does not depend on scheduling. Callers whose input is small run it on the calling thread
/// (`map(_:parallel:_:)`, `map(_:serialUntil:weight:_:)`): a worker on the other core is not free (lint at 1,000
/// pods spent a third more CPU in all on two cores than on one).
public enum Parallel {
  public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) -> [R] {
    if items.count < 2 { return items.map(transform) }
    let slots = Slots<R>(count: items.count)
    defer { slots.free() }
    DispatchQueue.concurrentPerform(iterations: items.count) { i in slots.buffer[i] = transform(items[i]) }
    return slots.buffer.map { $0! }
  }

  /// `map(_:_:)` when `parallel`, else `transform` on the calling thread alone (no worker is started).
  public static func map<T: Sendable, R: Sendable>(
    _ items: [T], parallel: Bool, _ transform: @escaping @Sendable (T) -> R
  ) -> [R] {
    parallel ? map(items, transform) : items.map(transform)
  }

  /// `map(_:_:)` for items whose cost is known only once they are done: they are transformed on the calling thread,
  /// in order, until their results weigh `threshold` in all (`weight`), and only the rest on every core. A small
  /// input starts no worker.
  public static func map<T: Sendable, R: Sendable>(
    _ items: [T], serialUntil threshold: Int, weight: (R) -> Int, _ transform: @escaping @Sendable (T) -> R
  ) -> [R] {
    var results: [R] = []
    results.reserveCapacity(items.count)
    var total = 0
    var i = 0
    while i < items.count && total < threshold {
      let r = transform(items[i])
      total += weight(r)
      results.append(r)
      i += 1
    }
    if i < items.count { results += map(Array(items[i...]), transform) }
    return results
  }

  /// Result slots; each iteration writes only its own.
  private struct Slots<R>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<R?>
    init(count: Int) {
      buffer = .allocate(capacity: count)
      buffer.initialize(repeating: nil)
    }
    func free() {
      _ = buffer.deinitialize()
      buffer.deallocate()
    }
  }
}
