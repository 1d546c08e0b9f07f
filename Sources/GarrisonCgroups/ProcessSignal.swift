#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// Sends signals to processes by pid through a pidfd, so a pid that exits and is reused between
/// "read cgroup.procs" and "kill" cannot hit an unrelated process: the pidfd is opened first, the
/// pid's cgroup membership is checked again, and only then is the signal sent to the pidfd.
enum ProcessSignal {
  enum Outcome { case signalled, gone, notMember }

  /// Signals `pid` if `stillMember()` (evaluated after the pidfd is open) says it is still in the
  /// cgroup. The corresponding system calls are `pidfd_open` and `pidfd_send_signal`.
  @discardableResult
  static func signal(_ pid: pid_t, _ sig: Int32, ifStillMember stillMember: () throws -> Bool) throws -> Outcome {
    let fd: Int32
    do { fd = try Kernel.pidfdOpen(pid) } catch {
      if error == .ESRCH { return .gone }
      throw GarrisonError(.system, operation: "pidfd_open", "pidfd_open \(pid): \(error)", errno: error.rawValue)
    }
    defer { Kernel.close(fd) }
    guard try stillMember() else { return .notMember }
    do { try Kernel.pidfdSendSignal(fd, sig) } catch {
      if error == .ESRCH { return .gone }
      throw GarrisonError(
        .system, operation: "pidfd_send_signal", "pidfd_send_signal \(pid) signal \(sig): \(error)",
        errno: error.rawValue)
    }
    return .signalled
  }
}
