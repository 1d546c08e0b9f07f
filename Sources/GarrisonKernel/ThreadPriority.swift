import CGarrisonLinux
import Glibc

/// The calling thread's scheduling: a background thread (a workload controller deleting a lost pod) lowers its
/// own priority, so the processes it starts (the runtime's `kill`/`delete`) inherit it and yield the CPU to the
/// work that is waited for (the replacement pod starting); and whether it runs under a real-time policy, which
/// no process Garrison spawns inherits (`SpawnAttributes`, `gr_spawn`).
extension Kernel {
  #if arch(x86_64)
    static let sysSetpriority = 141
  #else
    static let sysSetpriority = 140  // aarch64 (the generic table)
  #endif

  /// The corresponding system call is `setpriority(PRIO_PROCESS, gettid(), nice)`: on Linux the nice value is
  /// per thread, and a process spawned by this thread starts with it. Raising the value needs no privilege.
  public static func setThreadNice(_ nice: Int32) throws(Errno) {
    _ = try check { gr_syscall6(sysSetpriority, 0, Int(gr_gettid()), Int(nice), 0, 0, 0) }
  }

  /// Whether the calling thread runs under a real-time policy (`SCHED_FIFO`, `SCHED_RR` or `SCHED_DEADLINE`;
  /// `sched_getscheduler`, which on Linux answers for the thread). A child would inherit it: an operator's
  /// `chrt -f 10 garrison apply` would hand the containers a policy that can starve the host, and a cgroup v1
  /// `cpu` controller without a real-time budget refuses such a task (EINVAL on its `tasks` file).
  public static func threadRunsRealTime() -> Bool {
    let policy = sched_getscheduler(0) & ~LinuxConstants.SCHED_RESET_ON_FORK
    return policy == SCHED_FIFO || policy == SCHED_RR || policy == LinuxConstants.SCHED_DEADLINE
  }
}
