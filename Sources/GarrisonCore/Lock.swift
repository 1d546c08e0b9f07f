#if canImport(Glibc)
  import Glibc
#endif

/// A mutual-exclusion lock (a pthread mutex at a stable address) with `NSLock`'s interface, for modules that do
/// not link Foundation: the runtime's caches and the audit log's in-process append serialisation.
public final class Lock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>

  public init() {
    mutex = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  public func lock() { pthread_mutex_lock(mutex) }
  public func unlock() { pthread_mutex_unlock(mutex) }

  /// Runs `body` holding the lock; its error, typed or not, passes through.
  public func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    lock()
    defer { unlock() }
    return try body()
  }
}
