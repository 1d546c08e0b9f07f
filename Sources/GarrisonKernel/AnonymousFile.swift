import GarrisonCore
import Glibc

/// An unnamed temporary file (`open(O_TMPFILE)`): no path names it, so nothing else can open it, and its storage is
/// freed when it is closed or the process ends, however it ends. Bytes are appended and read back in order: for
/// output set aside outside memory until it can be written (a streamed SARIF report's results).
public final class AnonymousFile {
  private let fd: Int32
  /// Bytes appended so far.
  public private(set) var size: Int64 = 0

  /// Creates the file in `directory`: by default `$TMPDIR`, else `/tmp`. Where the file system cannot hold unnamed
  /// files (`EOPNOTSUPP`; `EISDIR` from a kernel without `O_TMPFILE`) the file is made with a unique name and unlinked
  /// at once, as glibc's `tmpfile` does. Throws when the directory cannot be written.
  public init(directory: String? = nil) throws(Errno) {
    let dir = directory ?? Environment.value("TMPDIR") ?? "/tmp"
    do {
      fd = try Kernel.open(dir, flags: LinuxConstants.O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600)
    } catch {
      guard error.rawValue == EOPNOTSUPP || error == .EISDIR else { throw error }
      var template = Array((dir + "/.garrison-tmp-XXXXXX").utf8CString)
      let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
      guard made >= 0 else { throw Errno.current }
      _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
      fd = made
      try? Kernel.setCloseOnExec(made, true)
    }
  }

  /// The descriptor, for a library that writes to a descriptor itself (libseccomp's BPF export); `readAll` reads
  /// what it wrote.
  public var descriptor: Int32 { fd }

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
    while true {
      let n = try check { pread(fd, buffer, chunk, off_t(offset)) }
      if n == 0 { break }
      sink(UnsafeRawBufferPointer(start: buffer, count: n))
      offset += Int64(n)
    }
    guard offset >= size else { throw Errno(rawValue: EIO) }  // shorter than what was appended
  }

  /// The whole content.
  public func readAll() throws(Errno) -> [UInt8] {
    var bytes: [UInt8] = []
    try readBack { bytes += $0 }
    return bytes
  }
}
