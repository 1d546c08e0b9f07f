import GarrisonKernel
import Glibc

/// Forwards the signals a foreground `run`/`exec` receives (INT, TERM, HUP, QUIT, USR1, USR2, WINCH) to the
/// container process, as runc does. With a pty proxy (`resizing`), SIGWINCH is not forwarded: the new size of
/// the runtime's terminal is copied to the container's pty instead, and the kernel signals the pty's foreground
/// process group itself. The handler only makes system calls (`kill`, `ioctl`), which are async-signal-safe.
enum SignalForwarder {
  nonisolated(unsafe) static var target: pid_t = 0
  /// The pty master whose size follows stdin's on SIGWINCH (-1: forward SIGWINCH like the others).
  nonisolated(unsafe) static var resizing: Int32 = -1
  static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

  static func forward(to pid: pid_t) {
    target = pid
    for sig in forwarded {
      signal(sig) { received in
        if received == SIGWINCH && SignalForwarder.resizing >= 0 {
          TerminalProxy.copyWindowSize(to: SignalForwarder.resizing)
        } else if SignalForwarder.target > 0 {
          _ = kill(SignalForwarder.target, received)
        }
      }
    }
    // A caller may have spawned us with these blocked; the waiting thread must receive them.
    Kernel.unblockSignals(forwarded)
  }

  static func stop() {
    for sig in forwarded { signal(sig, SIG_DFL) }
    target = 0
    resizing = -1
  }
}
