import CGarrisonLinux
import Glibc

/// Child exits without losing one: `peekExited` learns that a child has exited without reaping it, so the caller
/// decides (under its own lock) whether to reap it now (`reap`) or leave the zombie for a later owner of this
/// process (garrison-keeper, after an `execve`, reaps it then). Descriptor flags for what crosses such an exec.
extension Kernel {
  /// Blocks until some child has exited and returns its pid, leaving it a zombie. The corresponding system call
  /// is `waitid(P_ALL, 0, …, WEXITED | WNOWAIT)`; `ECHILD` when there is no child. EINTR is retried.
  public static func peekExited() throws(Errno) -> pid_t {
    var info = siginfo_t()
    _ = try check { waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) }
    return info._sifields._sigchld.si_pid
  }

  /// Reaps `pid` if it has exited: its raw wait status, nil if it has not. The corresponding system call is
  /// `waitpid(pid, WNOHANG)`.
  public static func reap(_ pid: pid_t) throws(Errno) -> Int32? {
    var status: Int32 = 0
    let r = try check { Glibc.waitpid(pid, &status, WNOHANG) }
    return r == pid ? status : nil
  }

  /// Sets (`on`) or clears `FD_CLOEXEC` on `fd`. The corresponding C function is `fcntl(F_SETFD)`.
  public static func setCloseOnExec(_ fd: Int32, _ on: Bool) throws(Errno) {
    let flags = try check { gr_fcntl_int(fd, F_GETFD, 0) }
    _ = try check { gr_fcntl_int(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC) }
  }

  /// Whether `fd` is an open descriptor (`fcntl(F_GETFD)` succeeds).
  public static func isOpen(_ fd: Int32) -> Bool { gr_fcntl_int(fd, F_GETFD, 0) >= 0 }

  /// The corresponding C function is `execv`: `args` with this process's environment (`environ`, untouched).
  /// Returns only on failure, with its errno.
  public static func execv(_ path: String, _ args: [String]) -> Errno {
    var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
    cArgs.append(nil)
    _ = Glibc.execv(path, &cArgs)
    let err = Errno.current
    for p in cArgs { free(p) }
    return err
  }
}
