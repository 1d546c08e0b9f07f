import CGarrisonLinux
import GarrisonCore
import GarrisonKernel
import Glibc

/// The cgroups a spawned process starts life in: the container's directories, one per hierarchy.
///
/// Moving a process with a `cgroup.procs` write takes the kernel's cgroup threadgroup lock for writing, and
/// the first such write after a quiet spell waits for an RCU grace period (6–14 ms on the benchmark machine;
/// crun and runc pay it on every container start). A process born in its cgroups is never moved:
/// - cgroup v2: `clone3(CLONE_INTO_CGROUP)` (Linux 5.7+) takes that lock only for reading;
/// - cgroup v1: the spawning thread first moves only itself (`tasks`, pid 0), which the kernel does without
///   the threadgroup lock (Linux 6.0+; older kernels wait, nothing else changes), and the child inherits
///   that thread's cgroups. The thread exits right after the spawn, which takes it out again.
public struct CgroupBirthplace: Sendable, Equatable {
  /// cgroup v1 directories (the spawning thread joins each through its `tasks` file).
  public var v1Directories: [String]
  /// The cgroup v2 directory (`CLONE_INTO_CGROUP`), if the host has a unified hierarchy.
  public var v2Directory: String?

  public init(v1Directories: [String], v2Directory: String?) {
    self.v1Directories = v1Directories
    self.v2Directory = v2Directory
  }

  /// Sorts `directories` by hierarchy kind: only a cgroup v2 directory has `cgroup.controllers`.
  public init(directories: [String]) throws {
    var v1: [String] = []
    var v2: String?
    for dir in directories {
      if access(dir + "/cgroup.controllers", F_OK) == 0 {
        guard v2 == nil else {
          throw GarrisonError(.system, operation: "place container", "two cgroup v2 directories: \(v2!), \(dir)")
        }
        v2 = dir
      } else {
        v1.append(dir)
      }
    }
    self.init(v1Directories: v1, v2Directory: v2)
  }

  /// Runs `body` on a fresh thread that is in these cgroups, passing it an fd on the v2 directory for
  /// `CLONE_INTO_CGROUP` (-1 without one). Whatever `body` spawns starts in them; the caller's own threads
  /// never move.
  public func run<T>(_ body: @escaping (Int32) throws -> T) throws -> T {
    try FreshThread.run {
      for dir in v1Directories {
        do { try FileIO.write(dir + "/tasks", "0") } catch let error as Errno {
          throw GarrisonError(.system, operation: "write 0 to \(dir)/tasks", "cannot join cgroup",
                              errno: error.rawValue)
        }
      }
      var fd: Int32 = -1
      if let v2Directory {
        fd = Glibc.open(v2Directory, LinuxConstants.O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
          throw GarrisonError(.system, operation: "open \(v2Directory)", "cannot join cgroup", errno: errno)
        }
      }
      defer { if fd >= 0 { Glibc.close(fd) } }
      return try body(fd)
    }
  }
}

/// Runs a closure on a new POSIX thread and waits for it: the thread's cgroup membership ends with it.
enum FreshThread {
  private final class Job {
    let body: () throws -> Any
    var result: Result<Any, any Error> = .failure(GarrisonError(.system, "thread did not run"))
    init(_ body: @escaping () throws -> Any) { self.body = body }
  }

  static func run<T>(_ body: @escaping () throws -> T) throws -> T {
    let job = Job { try body() }
    let context = Unmanaged.passRetained(job).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
      let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
      job.result = Result { try job.body() }
      return nil
    }, context)
    guard rc == 0 else {
      Unmanaged<Job>.fromOpaque(context).release()
      throw GarrisonError(.system, operation: "pthread_create", "cannot start spawn thread", errno: rc)
    }
    pthread_join(thread, nil)
    return try job.result.get() as! T
  }
}
