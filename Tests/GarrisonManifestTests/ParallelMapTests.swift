import Foundation
import Testing

@testable import GarrisonManifest

/// `Parallel.map` returns results in input order however it runs, and its serial forms start no worker for a
/// small input: the calling thread does the work.
@Suite struct ParallelMapTests {
  /// The calling thread's id, for telling which thread ran an item.
  static func thread() -> UInt { UInt(pthread_self()) }

  @Test(arguments: [0, 1, 2, 7, 100])
  func inOrderEveryWay(count: Int) {
    let items = Array(0..<count)
    let expected = items.map { $0 * 3 + 1 }
    #expect(Parallel.map(items) { $0 * 3 + 1 } == expected)
    #expect(Parallel.map(items, parallel: true) { $0 * 3 + 1 } == expected)
    #expect(Parallel.map(items, parallel: false) { $0 * 3 + 1 } == expected)
    for threshold in [0, 1, 10, 1_000_000] {
      #expect(Parallel.map(items, serialUntil: threshold, weight: { $0 }) { $0 * 3 + 1 } == expected)
    }
  }

  /// Below the threshold every item runs on the calling thread; past it, the first items did and the order holds.
  @Test func serialUntilTheThreshold() {
    let caller = Self.thread()
    let items = Array(0..<50)
    let small = Parallel.map(items, serialUntil: 1_000_000, weight: { _ in 1 }) { _ in Self.thread() }
    #expect(small.allSatisfy { $0 == caller })
    let off = Parallel.map(items, parallel: false) { _ in Self.thread() }
    #expect(off.allSatisfy { $0 == caller })
    // Items weigh 10 each: the first three (10, 20, 30 ≥ 25) run here, the rest wherever.
    let large = Parallel.map(items, serialUntil: 25, weight: { $0.weight }) { i in (weight: 10, index: i, thread: Self.thread()) }
    #expect(large.map(\.index) == items)
    #expect(large.prefix(3).allSatisfy { $0.thread == caller })
  }
}
