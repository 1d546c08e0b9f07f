import GarrisonKernel
import Glibc

/// Descriptors the container process inherits beyond stdio (`--preserve-fds N` and `LISTEN_FDS` socket
/// activation, as runc passes them): the runtime hands its fds 3…3+N-1 to garrison-init as `base`…`base`+N-1,
/// out of the way of the init's own fds 3–7; the init keeps them open (`closeInherited`) and moves them to
/// 3…3+N-1 right before `execve` (`install`). They are the only descriptors besides stdio that cross the exec.
public enum PreservedFDs {
  /// Where the init holds the preserved descriptors.
  public static let base: Int32 = 10

  /// Closes every inherited descriptor from 7 on except the `count` preserved ones.
  public static func closeInherited(count: Int) throws(InitFailure) {
    try step("close inherited fds >= 7") { () throws(Errno) in
      guard count > 0 else { return try Kernel.closeRange(first: 7, flags: 0) }
      try Kernel.closeRange(first: 7, last: UInt32(base - 1), flags: 0)
      try Kernel.closeRange(first: UInt32(base) + UInt32(count), flags: 0)
    }
  }

  /// Puts preserved descriptor i on 3+i (without close-on-exec). The init's own descriptors there (the sync
  /// socket, whose end of file tells the runtime the exec happened, and the others) are first moved above the
  /// preserved range, still close-on-exec, so they stay open until the `execve` itself.
  public static func install(count: Int) throws(InitFailure) {
    guard count > 0 else { return }
    let end = base + Int32(count)
    try step("move preserved descriptors to 3…\(2 + count)") { () throws(Errno) in
      for target in 3..<(3 + Int32(count)) where fcntl(target, F_GETFD) >= 0 {
        guard fcntl(target, F_DUPFD_CLOEXEC, end) >= 0 else { throw Errno.current }
      }
      for i in 0..<Int32(count) {
        guard dup2(base + i, 3 + i) >= 0 else { throw Errno.current }
        Kernel.close(base + i)
      }
    }
  }
}
