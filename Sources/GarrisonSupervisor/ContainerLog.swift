#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// Copies a container's stdout and stderr into a CRI-format log file:
/// `2026-11-26T23:59:59.123456789Z stdout F message` (`P` marks a partial line split at the buffer size).
/// garrison-keeper copies the same way while it holds the pod: `suspend` stops the copy threads at a clean point
/// (between reads) and hands back each open pipe with the bytes of its unfinished line.
public final class ContainerLogWriter: @unchecked Sendable {
  let fd: Int32
  let lock = Lock()
  /// Copy threads still running, under `copies`' mutex.
  let copies = Condition()
  var active = 0
  /// A pipe whose read end is readable once `suspend` asks the copy threads to stop (nil: none could be made, so
  /// this writer cannot be suspended).
  let stop: (read: Int32, write: Int32)?
  /// Streams whose copy thread stopped for a handover, under `copies`' mutex.
  var suspended: [Suspended] = []

  /// A stream stopped by `suspend`: its pipe (still open) and the bytes read of a line not yet written.
  struct Suspended {
    var stream: String
    var fd: Int32
    var pending: [UInt8]
  }

  /// Opens (appends to) the log file.
  public init(path: String) throws {
    try FS.mkdirs(PathName.deletingLastComponent(path))
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open log \(path)", errno: errno) }
    stop = try? Kernel.pipe()
  }

  /// Takes the log file a handover passed (inherited, `O_APPEND`), close-on-exec again.
  init(adopting fd: Int32) throws {
    try Kernel.setCloseOnExec(fd, true)
    self.fd = fd
    stop = try? Kernel.pipe()
  }

  /// Starts copying from `readFD` (closed at EOF) tagged with `stream`; `pending`: bytes of a line begun before a
  /// handover.
  public func copy(from readFD: Int32, stream: String, pending start: [UInt8] = []) {
    copies.lock()
    active += 1
    copies.unlock()
    let started = DetachedThread.start { [self] in
      var handed = false
      defer {
        if !handed { close(readFD) }
        copies.lock()
        active -= 1
        copies.broadcast()
        copies.unlock()
      }
      var pending = start
      var buf = [UInt8](repeating: 0, count: 16_384)
      var fds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stop?.read ?? -1, events: Int16(POLLIN), revents: 0)]
      while true {
        fds[0].revents = 0
        fds[1].revents = 0
        guard (try? Kernel.poll(&fds, timeoutMilliseconds: -1)) != nil else { break }
        if fds[1].revents != 0 {
          copies.lock()
          suspended.append(Suspended(stream: stream, fd: readFD, pending: pending))
          copies.unlock()
          handed = true
          return
        }
        if fds[0].revents == 0 { continue }
        let n = read(readFD, &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        pending += buf[0..<n]
        while let nl = pending.firstIndex(of: 10) {
          emit(stream, pending[..<nl], partial: false)
          pending.removeSubrange(...nl)
        }
        if pending.count >= 16_384 {
          emit(stream, pending[...], partial: true)
          pending.removeAll()
        }
      }
      if !pending.isEmpty { emit(stream, pending[...], partial: true) }
    }
    if !started {
      close(readFD)
      copies.lock()
      active -= 1
      copies.unlock()
    }
  }

  func emit(_ stream: String, _ bytes: ArraySlice<UInt8>, partial: Bool) {
    let line = Array("\(CRILog.timestamp()) \(stream) \(partial ? "P" : "F") ".utf8) + bytes + [10]
    lock.lock()
    defer { lock.unlock() }
    line.withUnsafeBytes { p in
      var off = 0
      while off < p.count {
        let n = write(fd, p.baseAddress! + off, p.count - off)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        off += n
      }
    }
  }

  /// What `suspend` hands over: the log file and, per stream, the open pipe with its unfinished line (nil: at EOF).
  struct Handed {
    var log: Int32
    var stdout: Suspended?
    var stderr: Suspended?
  }

  /// Stops the copy threads between two reads and returns the log file and, per stream, the open pipe and its
  /// unfinished line; nil if this writer cannot be suspended. Until `unsuspend`, the writer copies nothing.
  func suspend() -> Handed? {
    guard let stop else { return nil }
    var byte: UInt8 = 1
    guard write(stop.write, &byte, 1) == 1 else { return nil }
    copies.lock()
    while active > 0 { copies.wait() }
    let handed = suspended
    copies.unlock()
    return Handed(log: fd, stdout: handed.first { $0.stream == "stdout" }, stderr: handed.first { $0.stream == "stderr" })
  }

  /// Writes the unfinished lines of the streams `suspend` stopped as `P` lines and returns what is handed over
  /// then (no pending bytes): for a handover whose arguments could not carry them all.
  func flushSuspended() -> Handed {
    copies.lock()
    for i in suspended.indices where !suspended[i].pending.isEmpty {
      emit(suspended[i].stream, suspended[i].pending[...], partial: true)
      suspended[i].pending = []
    }
    let handed = suspended
    copies.unlock()
    return Handed(log: fd, stdout: handed.first { $0.stream == "stdout" }, stderr: handed.first { $0.stream == "stderr" })
  }

  /// Restarts the copies `suspend` stopped (a handover that did not happen).
  func unsuspend() {
    var byte: UInt8 = 0
    if let stop { _ = read(stop.read, &byte, 1) }
    copies.lock()
    let handed = suspended
    suspended = []
    copies.unlock()
    for h in handed { copy(from: h.fd, stream: h.stream, pending: h.pending) }
  }

  /// Waits (up to `timeout`) for both streams to reach EOF, then closes the file.
  public func finish(timeout: Double = 2) {
    let deadline = Date(timeIntervalSinceNow: timeout)
    copies.lock()
    while active > 0 {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 || !copies.wait(seconds: left) { break }
    }
    copies.unlock()
    lock.lock()
    close(fd)
    if let stop {
      close(stop.read)
      close(stop.write)
    }
    lock.unlock()
  }
}

/// The CRI log format.
public enum CRILog {
  /// RFC 3339 with nanoseconds, UTC.
  public static func timestamp() -> String {
    AuditTime.now().description
  }

  /// One parsed log line.
  public struct Line: Sendable, Equatable {
    public var time: String
    public var stream: String
    public var partial: Bool
    public var message: String
  }

  /// Parses a CRI log line; nil if it is not one.
  public static func parse(_ line: Substring) -> Line? {
    let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
    guard f.count >= 3 else { return nil }
    return Line(time: String(f[0]), stream: String(f[1]), partial: f[2] == "P", message: f.count > 3 ? String(f[3]) : "")
  }

  /// The messages of a log file's text as the container wrote them (partial lines joined).
  public static func render(_ text: String) -> String {
    var out = ""
    for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
      guard let l = parse(raw) else { continue }
      out += l.message
      if !l.partial { out += "\n" }
    }
    return out
  }
}
