import Dispatch

/// Ordered parallel map for independent, CPU-bound work (one manifest file, one batch of objects to lint): runs
/// `transform` over `items` on every core with `DispatchQueue.concurrentPerform` and returns the results in input
/// order, so output does not depend on scheduling.
public enum Parallel {
  public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) -> [R] {
    if items.count < 2 { return items.map(transform) }
    let slots = Slots<R>(count: items.count)
    defer { slots.free() }
    DispatchQueue.concurrentPerform(iterations: items.count) { i in slots.buffer[i] = transform(items[i]) }
    return slots.buffer.map { $0! }
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
