import GarrisonKernel
import Glibc

/// How `start` (after `create`, without the sync socket `run` keeps) learns that the container process has exec'd
/// without polling /proc/<pid>/exe: a reader on the start FIFO, opened before `start` writes to it. The waiting
/// garrison-init holds the FIFO open read-write and close-on-exec, so once `start`'s own writer is closed the last
/// writer goes at the `execve` (or the init's death) and the FIFO hangs up (a FIFO reports `POLLHUP` to a reader
/// only after a writer has opened since the reader did, which `start`'s write ensures). A wake-up only: the caller
/// still checks the executable's identity and takes the exec lock (`waitForExec`); an init that closed the FIFO
/// early (an older garrison-init) merely makes the hang-up come first.
struct ExecWatch {
  let fd: Int32

  /// Opens a non-blocking reader on `fifo`; nil when it cannot (the caller then polls alone).
  init?(fifo: String) {
    let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    self.fd = fd
  }

  /// Waits until every writer is gone (or `timeoutMilliseconds` passed); never reads the FIFO's byte, which is the
  /// init's.
  func waitForHangUp(timeoutMilliseconds: Int32) {
    let deadline = Kernel.monotonicNanoseconds() / 1_000_000 + UInt64(timeoutMilliseconds)
    var fds = [pollfd(fd: fd, events: 0, revents: 0)]  // no events asked: POLLHUP is always reported
    while true {
      let now = Kernel.monotonicNanoseconds() / 1_000_000
      guard now < deadline else { return }
      do {
        if try Kernel.poll(&fds, timeoutMilliseconds: Int32(deadline - now)) > 0 { return }
      } catch {
        return
      }
    }
  }

  func close() { Glibc.close(fd) }
}
