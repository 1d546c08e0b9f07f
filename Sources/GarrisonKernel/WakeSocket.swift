import CGarrisonLinux
import Glibc

/// A one-way wake-up channel from a process to the one that started it, over a Unix stream socket pair: the
/// sender's `notify` is one byte that never blocks and never raises SIGPIPE; the receiver polls its end and
/// `drain`s it, and sees end of file once every sender is gone (closed, or the process exited). What `apply`
/// waits on for the supervisors it starts, instead of an inotify instance (closing one that has watches waits for
/// the kernel to destroy them: an SRCU grace period, 5–15 ms measured here, paid by apply's exit).
public enum WakeSocket {
  /// A connected pair, both ends non-blocking and close-on-exec (the spawn that hands `sender` to the other
  /// process places it with `dup2`, which clears close-on-exec on the copy). The corresponding system call is
  /// `socketpair`.
  public static func pair() throws(Errno) -> (receiver: Int32, sender: Int32) {
    var fds: [Int32] = [-1, -1]
    _ = try check { fds.withUnsafeMutableBufferPointer { gr_socketpair_stream($0.baseAddress) } }
    for fd in fds {
      let flags = fcntl(fd, F_GETFL)
      if flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 {
        let e = Errno.current
        Kernel.close(fds[0])
        Kernel.close(fds[1])
        throw e
      }
    }
    return (fds[0], fds[1])
  }

  /// Takes an inherited sender end: marks it close-on-exec (nothing the taker spawns inherits it) and
  /// non-blocking. False when `fd` is not an open socket (then it is left alone).
  public static func adopt(_ fd: Int32) -> Bool {
    var st = stat()
    guard fd > 2, fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else { return false }
    let flags = fcntl(fd, F_GETFL)
    return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
  }

  /// Sends one byte (`send` with `MSG_NOSIGNAL`). False when the receiver is gone (`EPIPE`, `ECONNRESET`) or
  /// the send failed otherwise; a full buffer (`EAGAIN`) is true: a wake-up is pending already.
  public static func notify(_ fd: Int32) -> Bool {
    var byte: UInt8 = 1
    while true {
      if gr_send_nosignal(fd, &byte, 1) == 1 { return true }
      switch Errno.current {
      case .EINTR: continue
      case .EAGAIN: return true
      default: return false
      }
    }
  }

  /// Reads every pending byte (never blocks). False at end of file (every sender gone) or on an error other
  /// than `EAGAIN`.
  public static func drain(_ fd: Int32) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 256)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n > 0 { continue }
      if n == 0 { return false }
      switch Errno.current {
      case .EINTR: continue
      case .EAGAIN: return true
      default: return false
      }
    }
  }
}
