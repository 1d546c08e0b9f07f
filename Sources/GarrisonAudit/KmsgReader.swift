#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// Reads records from the kernel log device `/dev/kmsg` without blocking. Each `read` returns one record;
/// the reader starts at the end of the log (only records logged after it was opened) unless told otherwise.
public final class KmsgReader {
  private let fd: Int32
  public let path: String
  /// Number of times the kernel ring buffer overran us (records were lost; `EPIPE`).
  public private(set) var overruns = 0

  /// Opens `path` (default `/dev/kmsg`); `fromEnd` seeks past the existing records.
  public init(path: String = "/dev/kmsg", fromEnd: Bool = true) throws(GarrisonError) {
    self.path = path
    fd = try AuditIO.open(path, O_RDONLY | O_NONBLOCK)
    if fromEnd && lseek(fd, 0, SEEK_END) < 0 {
      let e = errno
      close(fd)
      throw AuditIO.error("lseek", path, e)
    }
  }

  /// Takes an inherited descriptor of the kernel log (garrison-keeper's handover: its read position is kept),
  /// close-on-exec again.
  public init(adopting fd: Int32, path: String = "/dev/kmsg") {
    self.fd = fd
    self.path = path
    try? Kernel.setCloseOnExec(fd, true)
  }

  /// The descriptor (for a handover: it must cross the `execve` open, at its read position).
  public var descriptor: Int32 { fd }

  deinit { close(fd) }

  /// All records available now, as text lines (`PRI,SEQ,USEC,FLAGS;message`).
  public func readAvailable() throws(GarrisonError) -> [String] {
    var out: [String] = []
    var buf = [UInt8](repeating: 0, count: 8192)
    while true {
      let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
      if n > 0 {
        var line = Array(buf[0..<n])
        if line.last == 0x0A { line.removeLast() }
        // Continuation lines (dictionary key=value) follow a newline; keep only the message line.
        if let nl = line.firstIndex(of: 0x0A) { line = Array(line[..<nl]) }
        out.append(String(decoding: line, as: UTF8.self))
        continue
      }
      if n == 0 { return out }
      switch errno {
      case EINTR: continue
      case EAGAIN: return out
      case EPIPE: overruns += 1; continue
      default: throw AuditIO.error("read", path)
      }
    }
  }
}
