import Foundation
import GarrisonCore

/// Copies a container's stdout and stderr into a CRI-format log file:
/// `2026-11-26T23:59:59.123456789Z stdout F message` (`P` marks a partial line split at the buffer size).
public final class ContainerLogWriter: @unchecked Sendable {
  let fd: Int32
  let lock = NSLock()
  let done = DispatchGroup()

  /// Opens (appends to) the log file.
  public init(path: String) throws {
    try FS.mkdirs((path as NSString).deletingLastPathComponent)
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open log \(path)", errno: errno) }
  }

  /// Starts copying from `readFD` (closed at EOF) tagged with `stream`.
  public func copy(from readFD: Int32, stream: String) {
    done.enter()
    let thread = Thread { [self] in
      defer { close(readFD); done.leave() }
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
    thread.start()
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
    _ = done.wait(timeout: .now() + timeout)
    lock.lock()
    close(fd)
    lock.unlock()
  }
}

/// The CRI log format.
public enum CRILog {
  /// RFC 3339 with nanoseconds, UTC.
  public static func timestamp() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = time_t(ts.tv_sec)
    var tmv = tm()
    gmtime_r(&t, &tmv)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
      tmv.tm_hour, tmv.tm_min, tmv.tm_sec, ts.tv_nsec)
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
