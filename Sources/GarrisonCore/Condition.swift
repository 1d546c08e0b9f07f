#if canImport(Glibc)
  import Glibc
#endif

/// A mutex with a condition variable (pthread, at stable addresses), for threads that wait for each other's
/// work: the supervisor's reaper and container logs.
public final class Condition: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let cond: UnsafeMutablePointer<pthread_cond_t>

  public init() {
    mutex = .allocate(capacity: 1)
    cond = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(cond, nil)
  }

  deinit {
    pthread_cond_destroy(cond)
    pthread_mutex_destroy(mutex)
    cond.deallocate()
    mutex.deallocate()
  }

  public func lock() { pthread_mutex_lock(mutex) }
  public func unlock() { pthread_mutex_unlock(mutex) }
  /// Releases the mutex, waits for a `broadcast`, and holds the mutex again (spurious wake-ups possible).
  public func wait() { pthread_cond_wait(cond, mutex) }
  /// Like `wait()`, for at most `seconds` (wall clock); false when the time ran out.
  public func wait(seconds: Double) -> Bool {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let whole = seconds.rounded(.down)
    var deadline = timespec(tv_sec: now.tv_sec + Int(whole), tv_nsec: now.tv_nsec + Int((seconds - whole) * 1e9))
    if deadline.tv_nsec >= 1_000_000_000 {
      deadline.tv_sec += 1
      deadline.tv_nsec -= 1_000_000_000
    }
    return pthread_cond_timedwait(cond, mutex, &deadline) == 0
  }

  /// Wakes every waiter.
  public func broadcast() { pthread_cond_broadcast(cond) }
}
