import GarrisonCore
import Glibc

/// An unnamed temporary file (`open(O_TMPFILE)`): no path names it, so nothing else can open it, and its storage is
/// freed when it is closed or the process ends, however it ends. Bytes are appended and read back in order: for
/// output set aside outside memory until it can be written (a streamed SARIF report's results).
public final class AnonymousFile {
  private let fd: Int32
  /// Bytes appended so far.
  public private(set) var size: Int64 = 0

  /// Creates the file in `directory`: by default `$TMPDIR`, else `/tmp`. Throws when the directory's file system
  /// cannot hold unnamed files (`EOPNOTSUPP`) or cannot be written.
  public init(directory: String? = nil) throws(Errno) {
    let dir = directory ?? Environment.value("TMPDIR") ?? "/tmp"
    fd = try Kernel.open(dir, flags: LinuxConstants.O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600)
  }

  deinit { Kernel.close(fd) }

  /// Appends `bytes` after those before.
  public func append(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
    var done = 0
    while done < bytes.count {
      let n = try check { pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(size)) }
      done += n
      size += Int64(n)
    }
  }

  /// Hands the whole content to `sink` in order, `chunk` bytes at a time (each piece valid only during its call).
  public func readBack(chunk: Int = 1 << 20, _ sink: (UnsafeRawBufferPointer) -> Void) throws(Errno) {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var offset: Int64 = 0
    while offset < size {
      let n = try check { pread(fd, buffer, min(chunk, Int(size - offset)), off_t(offset)) }
      guard n > 0 else { throw Errno(rawValue: EIO) }  // shorter than what was written
      sink(UnsafeRawBufferPointer(start: buffer, count: n))
      offset += Int64(n)
    }
  }
}
