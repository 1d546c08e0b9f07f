import CGarrisonLinux
import Dispatch
import GarrisonCore
import GarrisonKernel
import Glibc

/// The pty proxy of a foreground `run` with `process.terminal` and no `--console-socket` (what runc does):
/// the init sends the master over a private socketpair instead of a caller's socket, and the runtime copies
/// its own stdin to the master and the master to its stdout until the container's side of the pty is gone.
/// When stdin is a terminal it is put in raw mode (restored afterwards) and its window size is copied, at the
/// start and on every SIGWINCH (`SignalForwarder.resizing`).
final class TerminalProxy: @unchecked Sendable {
  private let local: Int32
  /// The end handed to the init as its console socket (fd 6); closed once the master has arrived.
  private(set) var initEnd: Int32
  private var master: Int32 = -1
  private var saved: termios?
  private let finished = DispatchSemaphore(value: 0)

  init() throws {
    var pair: [Int32] = [-1, -1]
    guard gr_socketpair_stream(&pair) == 0 else {
      throw GarrisonError(.system, operation: "socketpair", "cannot create the terminal socket", errno: Glibc.errno)
    }
    local = pair[0]
    initEnd = pair[1]
  }

  deinit {
    if initEnd >= 0 { close(initEnd) }
    if master >= 0 { close(master) }
    close(local)
  }

  /// Takes the pty master the init sent (it is sent during `create`, before `ready`).
  func receiveMaster() throws {
    close(initEnd)
    initEnd = -1
    let received: (payload: [UInt8], fd: Int32?)
    do { received = try Kernel.receiveDescriptor(local) } catch {
      throw GarrisonError(.system, operation: "recvmsg", "cannot receive the pty master", errno: error.rawValue)
    }
    guard let fd = received.fd else {
      throw GarrisonError(.system, operation: "recvmsg", "garrison-init sent no pty master")
    }
    master = fd
    // Before `start`: the container's first `stty size` must already see the caller's size.
    if isatty(0) == 1 { Self.copyWindowSize(to: master) }
  }

  /// Gives the pty `master` the window size of stdin, when stdin has one (two `ioctl`s: async-signal-safe, so
  /// the SIGWINCH handler calls this too).
  static func copyWindowSize(to master: Int32) {
    var rows: UInt16 = 0
    var cols: UInt16 = 0
    if gr_get_winsize(0, &rows, &cols) == 0 { _ = gr_set_winsize(master, rows, cols) }
  }

  /// Raw mode when stdin is a terminal (its size was copied on receipt), then the copy loop on a thread.
  func begin() {
    if isatty(0) == 1 {
      var t = termios()
      if tcgetattr(0, &t) == 0 {
        saved = t
        var raw = t
        cfmakeraw(&raw)
        tcsetattr(0, TCSANOW, &raw)
      }
      SignalForwarder.resizing = master  // size changes follow on SIGWINCH (installed by `run` next)
    }
    // The copy loop runs on its own thread, which holds a reference to the proxy until it is done.
    let started = DetachedThread.start {
      self.pump()
      self.finished.signal()
    }
    if !started { finished.signal() }
  }

  /// Waits (up to 5 s) for the output to drain after the container exited, then restores stdin.
  func finish() {
    _ = finished.wait(timeout: .now() + 5)
    if var t = saved { tcsetattr(0, TCSANOW, &t) }
  }

  private func pump() {
    var buffer = [UInt8](repeating: 0, count: 16384)
    var stdinOpen = true
    while true {
      var fds = [
        pollfd(fd: master, events: Int16(POLLIN), revents: 0),
        pollfd(fd: stdinOpen ? 0 : -1, events: Int16(POLLIN), revents: 0),
      ]
      if poll(&fds, 2, -1) < 0 {
        if errno == EINTR { continue }
        return
      }
      if fds[0].revents != 0 {
        let n = read(master, &buffer, buffer.count)
        if n <= 0 { return }  // EIO: every slave descriptor is closed, the container is gone
        if (try? FileIO.writeAll(fd: 1, Array(buffer[0..<n]))) == nil { return }
      }
      if fds[1].revents != 0 {
        let n = read(0, &buffer, buffer.count)
        if n <= 0 {
          stdinOpen = false
        } else if (try? FileIO.writeAll(fd: master, Array(buffer[0..<n]))) == nil {
          stdinOpen = false
        }
      }
    }
  }
}
