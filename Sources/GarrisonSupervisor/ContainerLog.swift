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
public final class ContainerLogWriter: @unchecked Sendable {
  let fd: Int32
  let lock = Lock()
  /// Copy threads still running, under `copies`' mutex.
  let copies = Condition()
  var active = 0

  /// Opens (appends to) the log file.
  public init(path: String) throws {
    try FS.mkdirs(PathName.deletingLastComponent(path))
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open log \(path)", errno: errno) }
  }

  /// Starts copying from `readFD` (closed at EOF) tagged with `stream`.
  public func copy(from readFD: Int32, stream: String) {
    copies.lock()
    active += 1
    copies.unlock()
    let started = DetachedThread.start { [self] in
      defer {
        close(readFD)
        copies.lock()
        active -= 1
        copies.broadcast()
        copies.unlock()
      }
      var pending = [UInt8]()
      var buf = [UInt8](repeating: 0, count: 16_384)
      while true {
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
