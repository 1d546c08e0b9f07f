import CGarrisonLinux
import Glibc

/// Whole-file and whole-descriptor reads and writes without Foundation.
public enum FileIO {
  /// Reads `fd` until end of file (`read` loop, `EINTR` retried).
  public static func readAll(fd: Int32) throws(Errno) -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = try check { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
      if n == 0 { return out }
      out.append(contentsOf: chunk[0..<n])
    }
  }

  /// Reads a whole file (`open` + `read`).
  public static func read(_ path: String) throws(Errno) -> [UInt8] {
    let fd = try Kernel.open(path, flags: LinuxConstants.O_RDONLY)
    defer { Kernel.close(fd) }
    return try readAll(fd: fd)
  }

  /// Reads a whole file as UTF-8 text.
  public static func readText(_ path: String) throws(Errno) -> String {
    String(decoding: try read(path), as: UTF8.self)
  }

  /// Writes all bytes to `fd` (`write` loop, `EINTR` retried).
  public static func writeAll(fd: Int32, _ bytes: [UInt8]) throws(Errno) {
    var offset = 0
    while offset < bytes.count {
      let n = try check {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      }
      offset += n
    }
  }

  /// Opens an existing file write-only and writes `text` (for /proc and /sys knobs).
  public static func write(_ path: String, _ text: String) throws(Errno) {
    let fd = try Kernel.open(path, flags: LinuxConstants.O_WRONLY)
    defer { Kernel.close(fd) }
    try writeAll(fd: fd, Array(text.utf8))
  }

  /// Sends bytes on a socket with `MSG_NOSIGNAL` (a vanished peer yields `EPIPE`, not `SIGPIPE`).
  public static func send(fd: Int32, _ bytes: [UInt8]) throws(Errno) {
    var offset = 0
    while offset < bytes.count {
      let n = try check { bytes.withUnsafeBytes { gr_send_nosignal(fd, $0.baseAddress! + offset, $0.count - offset) } }
      offset += Int(n)
    }
  }
}

/// Line-oriented reader over a descriptor (the init/runtime sync channel).
public struct LineReader {
  public let fd: Int32
  private var buffer: [UInt8] = []
  public init(fd: Int32) { self.fd = fd }

  /// The next `\n`-terminated line without the newline, or nil at end of file.
  public mutating func next() throws(Errno) -> String? {
    while true {
      if let nl = buffer.firstIndex(of: 10) {
        let line = String(decoding: buffer[0..<nl], as: UTF8.self)
        buffer.removeSubrange(0...nl)
        return line
      }
      var chunk = [UInt8](repeating: 0, count: 4096)
      let n = try check { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
      if n == 0 {
        if buffer.isEmpty { return nil }
        let line = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll()
        return line
      }
      buffer.append(contentsOf: chunk[0..<n])
    }
  }
}
