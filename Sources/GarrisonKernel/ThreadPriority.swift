import CGarrisonLinux

/// The calling thread's scheduling priority: a background thread (a workload controller deleting a lost pod)
/// lowers its own, so the processes it starts (the runtime's `kill`/`delete`) inherit it and yield the CPU to
/// the work that is waited for (the replacement pod starting).
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
}
