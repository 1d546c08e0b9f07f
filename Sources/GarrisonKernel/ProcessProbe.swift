import Glibc

/// A process named by pid and start time, so a recorded pid is trusted only while it still names the process it
/// was recorded for (pids are reused).
public struct ProcessRef: Codable, Sendable, Equatable {
  public var pid: Int32
  /// Field 22 of `/proc/<pid>/stat` (clock ticks since boot).
  public var startTime: UInt64
  public init(pid: Int32, startTime: UInt64) {
    self.pid = pid
    self.startTime = startTime
  }
}

/// Process facts read from `/proc/<pid>`: start time, state and executable identity.
public enum ProcessProbe {
  /// Start time (field 22 of /proc/<pid>/stat) and state letter, or nil if the process is gone.
  public static func stat(_ pid: Int32) -> (startTime: UInt64, state: Character)? {
    guard let text = try? FileIO.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
    // Fields after the command name start at field 3 (the state).
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
    return (start, state)
  }

  /// Field 22 (`starttime`) of `/proc/<pid>/stat`; nil if the process does not exist.
  public static func startTime(_ pid: Int32) -> UInt64? { stat(pid)?.startTime }

  /// A reference to a live process.
  public static func ref(_ pid: Int32) -> ProcessRef? {
    startTime(pid).map { ProcessRef(pid: pid, startTime: $0) }
  }

  /// `device:inode` of the file /proc/<pid>/exe names, or nil if the process is gone.
  public static func executableIdentity(_ pid: Int32) -> String? {
    var st = Glibc.stat()
    guard fstatat(AT_FDCWD, "/proc/\(pid)/exe", &st, 0) == 0 else { return nil }
    return "\(st.st_dev):\(st.st_ino)"
  }

  /// Whether `pid` still names the process started at `startTime` and has not exited (not a zombie).
  public static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
    guard let s = stat(pid) else { return false }
    return s.startTime == startTime && s.state != "Z" && s.state != "X"
  }

  /// Whether the referenced process still exists (same pid, same start time) and is not a zombie.
  public static func isAlive(_ ref: ProcessRef) -> Bool { isAlive(ref.pid, startTime: ref.startTime) }

  /// Whether a pid exists and is not a zombie (no start time to compare: for a bounded wait only).
  public static func isRunning(_ pid: Int32) -> Bool {
    guard let s = stat(pid) else { return false }
    return s.state != "Z" && s.state != "X"
  }

  /// Sends a signal to the referenced process only if it is still the same process.
  @discardableResult
  public static func signal(_ ref: ProcessRef, _ sig: Int32) -> Bool {
    guard isAlive(ref) else { return false }
    return Glibc.kill(ref.pid, sig) == 0
  }

  /// Waits until the referenced process has exited, at most `timeout` seconds, on a pidfd (woken by the kernel
  /// at its exit, no polling); true once it is gone. A pid that was reused by another process counts as gone.
  @discardableResult
  public static func waitExit(_ ref: ProcessRef, timeout: Double) -> Bool {
    guard let fd = try? Kernel.pidfdOpen(ref.pid) else { return !isAlive(ref) }
    defer { Kernel.close(fd) }
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
