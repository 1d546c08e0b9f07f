#if canImport(Glibc)
  import Glibc
#endif
import CGarrisonLinux
import GarrisonCore

/// Sends signals to processes by pid through a pidfd, so a pid that exits and is reused between
/// "read cgroup.procs" and "kill" cannot hit an unrelated process: the pidfd is opened first, the
/// pid's cgroup membership is checked again, and only then is the signal sent to the pidfd.
enum ProcessSignal {
  /// `pidfd_open` and `pidfd_send_signal` have the same numbers on every Linux architecture
  /// (they were added after the syscall tables were unified).
  static let sysPidfdOpen = 434
  static let sysPidfdSendSignal = 424

  enum Outcome { case signalled, gone, notMember }

  /// Signals `pid` if `stillMember()` (evaluated after the pidfd is open) says it is still in the
  /// cgroup. The corresponding system calls are `pidfd_open` and `pidfd_send_signal`.
  @discardableResult
  static func signal(_ pid: pid_t, _ sig: Int32, ifStillMember stillMember: () throws -> Bool) throws -> Outcome {
    let fd = gr_syscall6(sysPidfdOpen, Int(pid), 0, 0, 0, 0, 0)
    if fd < 0 {
      let e = errno
      if e == ESRCH { return .gone }
      throw GarrisonError(
        .system, operation: "pidfd_open",
        "pidfd_open \(pid): \(errnoName(e)) (\(String(cString: strerror(e))))", errno: e)
    }
    defer { close(Int32(fd)) }
    guard try stillMember() else { return .notMember }
    if gr_syscall6(sysPidfdSendSignal, fd, Int(sig), 0, 0, 0, 0) < 0 {
      let e = errno
      if e == ESRCH { return .gone }
      throw GarrisonError(
        .system, operation: "pidfd_send_signal",
        "pidfd_send_signal \(pid) signal \(sig): \(errnoName(e)) (\(String(cString: strerror(e))))", errno: e)
    }
    return .signalled
  }
}
