import Foundation
import GarrisonKernel

/// Reads process identity from /proc, so a recorded pid is only trusted while its start time matches.
public enum ProcessProbe {
  /// Field 22 (`starttime`) of `/proc/<pid>/stat`; nil if the process does not exist.
  public static func startTime(_ pid: Int32) -> UInt64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name start at field 3.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 19 else { return nil }
    return UInt64(fields[19])
  }

  /// A reference to a live process.
  public static func ref(_ pid: Int32) -> ProcessRef? {
    startTime(pid).map { ProcessRef(pid: pid, startTime: $0) }
  }

  /// Whether the referenced process still exists (same pid, same start time) and is not a zombie.
  public static func isAlive(_ ref: ProcessRef) -> Bool {
    guard startTime(ref.pid) == ref.startTime else { return false }
    if let text = try? String(contentsOfFile: "/proc/\(ref.pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") {
      let state = text[text.index(close, offsetBy: 2)]
      return state != "Z" && state != "X"
    }
    return false
  }

  /// Whether a pid exists and is not a zombie (no start time to compare: for a bounded wait only).
  public static func isRunning(_ pid: Int32) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return false }
    let state = text[text.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
  }

  /// Sends a signal to the referenced process only if it is still the same process.
  @discardableResult
  public static func signal(_ ref: ProcessRef, _ sig: Int32) -> Bool {
    guard isAlive(ref) else { return false }
    return kill(ref.pid, sig) == 0
  }

  /// Waits until the referenced process has exited, at most `timeout` seconds, on a pidfd (woken by the kernel
  /// at its exit, no polling); true once it is gone. A pid that was reused by another process counts as gone.
  @discardableResult
  public static func waitExit(_ ref: ProcessRef, timeout: Double) -> Bool {
    guard let fd = try? Kernel.pidfdOpen(ref.pid) else { return !isAlive(ref) }
    defer { close(fd) }
    // Opened after the start-time check would race with a reuse of the pid: check the identity now.
    guard isAlive(ref) else { return true }
    let deadline = Kernel.monotonicNanoseconds() + UInt64(max(0, timeout) * 1e9)
    while true {
      var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
      let now = Kernel.monotonicNanoseconds()
      if now >= deadline { return !isAlive(ref) }
      let ms = Int32(min(Double(deadline - now) / 1e6 + 1, 60_000))
      guard let n = try? Kernel.poll(&fds, timeoutMilliseconds: ms) else { return !isAlive(ref) }
      // Readable at exit; a zombie child of this process is exited too.
      if n > 0 || !isAlive(ref) { return true }
    }
  }
}
