import Glibc

/// A closure on its own POSIX thread, joined by `wait()`, which rethrows its error. Where no thread can be
/// made, the closure runs on the caller's thread at once (same outcome, no overlap).
public final class BackgroundJob: @unchecked Sendable {
  private let body: () throws -> Void
  private var result: Result<Void, any Error> = .success(())
  private var thread = pthread_t()
  private var running = false

  public init(_ body: @escaping () throws -> Void) {
    self.body = body
    let context = Unmanaged.passRetained(self).toOpaque()
    let rc = pthread_create(
      &thread, nil,
      { raw in
        let job = Unmanaged<BackgroundJob>.fromOpaque(raw!).takeRetainedValue()
        job.result = Result { try job.body() }
        return nil
      }, context)
    if rc == 0 {
      running = true
    } else {
      Unmanaged<BackgroundJob>.fromOpaque(context).release()
      result = Result { try body() }
    }
  }

  /// Waits for the closure to finish; its error, if any, is thrown here.
  public func wait() throws {
    if running {
      pthread_join(thread, nil)
      running = false
    }
    try result.get()
  }
}

/// A POSIX thread nobody joins (it ends with its work, or with the process).
public enum DetachedThread {
  private final class Job {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }

  /// Starts `body` on a new detached thread; false (and `body` never runs) if no thread can be made.
  @discardableResult
  public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
    let context = Unmanaged.passRetained(Job(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let rc = pthread_create(
      &thread, &attributes,
      { raw in
        Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
      }, context)
    if rc != 0 { Unmanaged<Job>.fromOpaque(context).release() }
    return rc == 0
  }
}
