import GarrisonCore
import Glibc

/// Work done inside another process's namespaces from a multithreaded process, without forking it and without
/// a host tool (`nsenter`): a fresh POSIX thread joins the namespaces with `setns(2)` (which, for UTS, IPC and
/// network namespaces, moves only the calling thread), runs the work, and ends, so no other thread ever runs in
/// them. Processes the work spawns (`posix_spawn`) start in the thread's namespaces. Mount, user and pid
/// namespaces cannot be joined this way (the kernel refuses them to a thread that shares its process's
/// filesystem or has siblings): that work belongs to a single-threaded helper such as `garrison-init`.
public enum NamespaceThread {
  /// A namespace to join: the `/proc/<pid>/ns/<type>` file (or a bind mount of one) and its `CLONE_NEW*` type.
  public struct Target: Sendable {
    public var path: String
    public var type: Int32
    public init(path: String, type: Int32) {
      self.path = path
      self.type = type
    }
  }

  /// Runs `body` on a new thread that first joins `targets`, and waits for it. If no thread can be made, nothing
  /// runs and the error says so: the work never falls back to the calling thread's namespaces.
  public static func run<T>(joining targets: [Target], _ body: @escaping () throws -> T) throws -> T {
    var value: T?
    try run(joining: targets, work: { value = try body() })
    return value!
  }

  private static func run(joining targets: [Target], work: @escaping () throws -> Void) throws {
    let job = Job(targets: targets, body: work)
    let context = Unmanaged.passRetained(job).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
      &thread, nil,
      { raw in
        let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
        job.run()
        return nil
      }, context)
    guard rc == 0 else {
      Unmanaged<Job>.fromOpaque(context).release()
      throw GarrisonError(.system, operation: "pthread_create", "cannot start a thread to enter the pod's namespaces", errno: rc)
    }
    pthread_join(thread, nil)
    try job.result!.get()
  }

  private final class Job {
    let targets: [Target]
    let body: () throws -> Void
    var result: Result<Void, any Error>?
    init(targets: [Target], body: @escaping () throws -> Void) {
      self.targets = targets
      self.body = body
    }

    func run() {
      result = Result {
        try enter()
        return try body()
      }
    }

    private func enter() throws(GarrisonError) {
      for target in targets {
        let fd: Int32
        do {
          fd = try Kernel.open(target.path, flags: LinuxConstants.O_RDONLY)
        } catch {
          throw GarrisonError(.system, operation: "open", "cannot open namespace \(target.path)", errno: error.rawValue)
        }
        defer { Kernel.close(fd) }
        do { try Kernel.setns(fd, target.type) } catch {
          throw GarrisonError(.system, operation: "setns", "cannot join namespace \(target.path)", errno: error.rawValue)
        }
      }
    }
  }
}
