import Glibc
import GarrisonCore
import GarrisonKernel

/// One result slot per item of a `BlockingFanOut.perform` (the supervisor's runtime calls at once), filled from
/// several threads and read after they all finished.
public final class FanOutSlots<T>: @unchecked Sendable {
  private let lock = Lock()
  private var slots: [T?]

  public init(count: Int) { slots = Array(repeating: nil, count: count) }

  public func set(_ k: Int, _ value: T) {
    lock.lock()
    slots[k] = value
    lock.unlock()
  }

  public func get(_ k: Int) -> T? {
    lock.lock()
    defer { lock.unlock() }
    return slots[k]
  }
}

/// Runs `body` for 0..<count at once, one POSIX thread per item beyond the first (the caller's thread runs item 0),
/// and returns when all finished: for a handful of calls that each block, such as runtime invocations waiting for a
/// child process. (CPU-bound work over many items goes through GarrisonManifest's `Parallel.map` on the cores.)
public enum BlockingFanOut {
  public static func perform(_ count: Int, _ body: @escaping (Int) -> Void) {
    guard count > 0 else { return }
    let jobs = (1..<count).map { k in BackgroundJob { body(k) } }
    body(0)
    for job in jobs { try? job.wait() }
  }
}
