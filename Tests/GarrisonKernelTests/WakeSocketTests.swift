import GarrisonKernel
import Glibc
import Testing

/// `WakeSocket`: a byte wakes the receiver, a full buffer is not a failure, a closed sender is end of file, a
/// closed receiver makes `notify` false without SIGPIPE, and only sockets are adopted.
struct WakeSocketTests {
  @Test func aByteWakesAndEndOfFileFollowsTheSender() throws {
    let (receiver, sender) = try WakeSocket.pair()
    defer { Kernel.close(receiver) }
    #expect(WakeSocket.drain(receiver), "nothing pending is not end of file")
    #expect(WakeSocket.notify(sender))
    var fds = [pollfd(fd: receiver, events: Int16(POLLIN), revents: 0)]
    #expect(try Kernel.poll(&fds, timeoutMilliseconds: 1000) == 1)
    #expect(WakeSocket.drain(receiver))
    // A receiver that never reads: sends beyond the buffer stay true (a wake-up is pending) and never block.
    for _ in 0..<300_000 { if !WakeSocket.notify(sender) { Issue.record("notify failed on a full buffer"); break } }
    Kernel.close(sender)
    #expect(!WakeSocket.drain(receiver), "every sender gone: end of file")
  }

  @Test func aGoneReceiverMakesNotifyFalseWithoutSIGPIPE() throws {
    let (receiver, sender) = try WakeSocket.pair()
    defer { Kernel.close(sender) }
    Kernel.close(receiver)
    #expect(!WakeSocket.notify(sender))
  }

  @Test func onlyOpenSocketsAboveStderrAreAdopted() throws {
    let (receiver, sender) = try WakeSocket.pair()
    defer {
      Kernel.close(receiver)
      Kernel.close(sender)
    }
    #expect(WakeSocket.adopt(sender))
    #expect(fcntl(sender, F_GETFD) & FD_CLOEXEC != 0)
    #expect(!WakeSocket.adopt(2))
    let file = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer { Kernel.close(file) }
    #expect(!WakeSocket.adopt(file))
    #expect(!WakeSocket.adopt(1_000_000))
  }
}
