import CGarrisonLinux
import Glibc

/// Pseudo-terminal and descriptor-passing calls used for `process.terminal` and `--console-socket`.
extension Kernel {
  /// Opens `ptmxPath` (the container's `/dev/ptmx`), unlocks the new pty and opens its slave through the
  /// master (`TIOCGPTPEER`, so no path under /dev/pts is resolved). Returns both descriptors (close-on-exec,
  /// no controlling terminal yet) and the pty number. The corresponding calls are `open`, `ioctl(TIOCSPTLCK)`,
  /// `ioctl(TIOCGPTN)` and `ioctl(TIOCGPTPEER)`.
  public static func openPTY(_ ptmxPath: String) throws(Errno) -> (master: Int32, slave: Int32, number: UInt32) {
    let flags = LinuxConstants.O_RDWR | O_NOCTTY | O_CLOEXEC
    let master = try open(ptmxPath, flags: flags)
    do {
      _ = try check { gr_pty_unlock(master) }
      var number: UInt32 = 0
      _ = try check { gr_pty_number(master, &number) }
      let slave = try check { gr_pty_peer(master, flags) }
      return (master, slave, number)
    } catch {
      close(master)
      throw error
    }
  }

  /// Makes `fd` (a terminal) the controlling terminal of the calling session leader: `ioctl(TIOCSCTTY, 0)`.
  public static func setControllingTerminal(_ fd: Int32) throws(Errno) { _ = try check { gr_set_ctty(fd) } }

  /// Starts a new session: the corresponding C function is `setsid`.
  public static func setsid() throws(Errno) { _ = try check { Glibc.setsid() } }

  /// Sets a terminal's window size: `ioctl(TIOCSWINSZ)`.
  public static func setWindowSize(_ fd: Int32, rows: UInt16, cols: UInt16) throws(Errno) {
    _ = try check { gr_set_winsize(fd, rows, cols) }
  }

  /// The corresponding C function is `dup2`.
  public static func dup2(_ from: Int32, _ to: Int32) throws(Errno) { _ = try check { Glibc.dup2(from, to) } }

  /// The corresponding C function is `fchown`.
  public static func fchown(_ fd: Int32, uid: UInt32, gid: UInt32) throws(Errno) {
    _ = try check { Glibc.fchown(fd, uid, gid) }
  }

  /// Connects an `AF_UNIX` stream socket (close-on-exec) to `path`: `socket` + `connect`.
  public static func connectUnix(_ path: String) throws(Errno) -> Int32 {
    try check(retryOnInterrupt: false) { gr_connect_unix(path) }
  }

  /// Sends `payload` with `fd` attached as `SCM_RIGHTS`: the corresponding C function is `sendmsg`.
  public static func sendDescriptor(_ socket: Int32, fd: Int32, payload: [UInt8]) throws(Errno) {
    let bytes = payload.isEmpty ? [0] : payload  // a descriptor needs at least one byte to ride on
    _ = try check { bytes.withUnsafeBytes { gr_send_fd(socket, $0.baseAddress, $0.count, fd) } }
  }

  /// Receives one message and the descriptor attached to it (or nil): `recvmsg` with `MSG_CMSG_CLOEXEC`.
  public static func receiveDescriptor(_ socket: Int32, maxBytes: Int = 4096) throws(Errno) -> (payload: [UInt8], fd: Int32?) {
    var buffer = [UInt8](repeating: 0, count: maxBytes)
    var fd: Int32 = -1
    let n = try check { buffer.withUnsafeMutableBytes { gr_recv_fd(socket, $0.baseAddress, $0.count, &fd) } }
    return (Array(buffer[0..<Int(n)]), fd >= 0 ? fd : nil)
  }
}
