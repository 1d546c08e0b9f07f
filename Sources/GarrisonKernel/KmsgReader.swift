import GarrisonCore
import Glibc

/// Reads records from the kernel log device `/dev/kmsg` without blocking. Each `read` returns one record;
/// the reader starts at the end of the log (only records logged after it was opened) unless told otherwise.
public final class KmsgReader {
  private let fd: Int32
  public let path: String
  /// Number of times the kernel ring buffer overran the reader (records were lost; `EPIPE`).
  public private(set) var overruns = 0

  /// Opens `path` (default `/dev/kmsg`); `fromEnd` seeks past the existing records.
  public init(path: String = "/dev/kmsg", fromEnd: Bool = true) throws(GarrisonError) {
    self.path = path
    do throws(Errno) {
      fd = try Kernel.open(path, flags: O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    } catch {
      throw Self.error("open", path, error)
    }
    if fromEnd {
      do throws(Errno) { _ = try check { Glibc.lseek(fd, 0, SEEK_END) } } catch {
        Kernel.close(fd)
        throw Self.error("lseek", path, error)
      }
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

  deinit { Kernel.close(fd) }

  /// All records available now, each as its message line (`PRI,SEQ,USEC,FLAGS;message`, without the dictionary
  /// continuation lines). An overrun of the ring buffer is counted in `overruns` and reading goes on.
  public func readAvailable() throws(GarrisonError) -> [String] {
    var out: [String] = []
    var buf = [UInt8](repeating: 0, count: 8192)
    while true {
      let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
      if n > 0 {
        var end = n
        // Continuation lines (dictionary key=value) follow a newline; keep only the message line.
        if let nl = buf[0..<n].firstIndex(of: 0x0A) { end = nl }
        out.append(String(decoding: buf[0..<end], as: UTF8.self))
        continue
      }
      if n == 0 { return out }
      switch Glibc.errno {
      case EINTR: continue
      case EAGAIN: return out
      case EPIPE: overruns += 1; continue
      default: throw Self.error("read", path, Errno.current)
      }
    }
  }

  /// The sequence number of a record line (`PRI,SEQ,USEC,FLAGS;message`): the kernel's, unique within a boot.
  public static func sequence(of line: String) -> UInt64? {
    let fields = line.utf8.prefix { $0 != UInt8(ascii: ";") }.split(separator: UInt8(ascii: ","), maxSplits: 2)
    guard fields.count >= 2 else { return nil }
    return UInt64(String(decoding: fields[1], as: UTF8.self))
  }

  /// The sequence number of the oldest record the kernel log still holds (nil when it cannot be read): records
  /// before it are gone for every reader.
  public static func oldestSequence(path: String = "/dev/kmsg") -> UInt64? {
    guard let reader = try? KmsgReader(path: path, fromEnd: false) else { return nil }
    var buf = [UInt8](repeating: 0, count: 8192)
    while true {
      let n = buf.withUnsafeMutableBytes { Glibc.read(reader.fd, $0.baseAddress!, $0.count) }
      if n > 0 { return sequence(of: String(decoding: buf[0..<n], as: UTF8.self)) }
      if n < 0 && (Glibc.errno == EINTR || Glibc.errno == EPIPE) { continue }
      return nil
    }
  }

  private static func error(_ op: String, _ path: String, _ e: Errno) -> GarrisonError {
    GarrisonError(.system, operation: op, "\(op) \(path): \(e)", errno: e.rawValue)
  }
}
