#if canImport(Glibc)
  import Glibc
#endif

/// One thread sleeps in `wait` until another calls `signal` (a POSIX semaphore at a stable address): the audit
/// log's group commit parks each appender on its own `Wakeup`, so the leader wakes exactly the appenders whose
/// records are on disk, and a woken appender needs no lock to learn its result.
public final class Wakeup: @unchecked Sendable {
  private let semaphore: UnsafeMutablePointer<sem_t>

  public init() {
    semaphore = .allocate(capacity: 1)
    sem_init(semaphore, 0, 0)
  }

  deinit {
    sem_destroy(semaphore)
    semaphore.deallocate()
  }

  /// Sleeps until `signal` has been called (returns at once if it already was); each `signal` lets one `wait`
  /// return. What the signalling thread wrote before `signal` is visible after `wait`.
  public func wait() {
    while sem_wait(semaphore) != 0 {}  // EINTR: a signal handler ran; keep waiting
  }

  /// Lets one `wait` return (a sleeping thread is woken; a later `wait` returns at once).
  public func signal() { sem_post(semaphore) }
}
