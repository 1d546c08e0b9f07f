import Foundation

/// One result slot per item of a `DispatchQueue.concurrentPerform` (the supervisor's parallel runtime calls),
/// written by the worker threads and read by the caller afterwards.
final class ParallelSlots<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [T?]

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ k: Int, _ value: T) {
    lock.lock()
    slots[k] = value
    lock.unlock()
  }

  func get(_ k: Int) -> T? {
    lock.lock()
    defer { lock.unlock() }
    return slots[k]
  }
}
