import CGarrisonLinux
import Glibc

/// Whole-file and whole-descriptor reads and writes without Foundation.
public enum FileIO {
  /// Reads `fd` until end of file (`read` loop, `EINTR` retried). The buffer is sized from the file's size when it
  /// has one (a /proc file reports 0): a large zero-filled chunk costs page faults on every small read.
  public static func readAll(fd: Int32) throws(Errno) -> [UInt8] {
    var out: [UInt8] = []
    var st = stat()
    let size = Glibc.fstat(fd, &st) == 0 && st.st_mode & S_IFMT == S_IFREG ? Int(st.st_size) : 0
    out.reserveCapacity(size + 1)
    var chunk = [UInt8](repeating: 0, count: size > 0 ? min(size + 1, 1 << 20) : 16 << 10)
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

  /// Reads the whole file `name` relative to the directory descriptor `dirfd` (`openat` + `read` loop + `close`)
  /// into `buffer`, reusing its storage (doubled while the file does not fit), and returns the bytes read: many
  /// small reads (cgroup control files, once per container per scrape) without an allocation or a path walk each.
  public static func read(at dirfd: Int32, _ name: String, into buffer: inout [UInt8]) throws(Errno) -> Int {
    let fd = try Kernel.openat(dirfd, name, flags: LinuxConstants.O_RDONLY)
    defer { Kernel.close(fd) }
    if buffer.count < 4096 { buffer = [UInt8](repeating: 0, count: 4096) }
    var used = 0
    while true {
      if used == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
      let n = try check { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) } }
      if n == 0 { return used }
      used += n
    }
  }

  /// Reads a file that must be a regular file of at most `limit` bytes: opened `O_NONBLOCK|O_NOCTTY` and checked
  /// with `fstat` before any read, so a FIFO or device planted where a file was expected (an image's
  /// /etc/passwd) is an error at once, never a hang or a device read. `EINVAL`: not a regular file;
  /// `EFBIG`: larger than `limit`.
  public static func readRegular(_ path: String, limit: Int) throws(Errno) -> [UInt8] {
    let fd = try Kernel.open(path, flags: LinuxConstants.O_RDONLY | LinuxConstants.O_NONBLOCK | LinuxConstants.O_NOCTTY)
    defer { Kernel.close(fd) }
    return try readRegular(fd: fd, limit: limit)
  }

  /// ``readRegular(_:limit:)`` on an open descriptor.
  public static func readRegular(fd: Int32, limit: Int) throws(Errno) -> [UInt8] {
    var st = stat()
    _ = try check { Glibc.fstat(fd, &st) }
    guard st.st_mode & S_IFMT == S_IFREG else { throw .EINVAL }
    guard st.st_size <= limit else { throw Errno(rawValue: EFBIG) }
    let bytes = try readAll(fd: fd)
    guard bytes.count <= limit else { throw Errno(rawValue: EFBIG) }
    return bytes
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

  /// Sends `bytes` as one message with `descriptors` attached as `SCM_RIGHTS` (at most `GR_MAX_FDS`): the
  /// corresponding C function is `sendmsg`. A short send is an error (`EMSGSIZE`): the message is a line.
  public static func send(fd: Int32, _ bytes: [UInt8], descriptors: [Int32]) throws(Errno) {
    let n = try check {
      bytes.withUnsafeBytes { raw in
        descriptors.withUnsafeBufferPointer { gr_send_fds(fd, raw.baseAddress, raw.count, $0.baseAddress, Int32($0.count)) }
      }
    }
    guard n == bytes.count else { throw Errno(rawValue: EMSGSIZE) }
  }
}

/// Line-oriented reader over a descriptor (the init/runtime sync channel).
///
/// With `keepsDescriptors` (a Unix socket), every read is a `recvmsg` and descriptors that arrive as
/// `SCM_RIGHTS` are kept for `takeDescriptors()`: a plain `read` would take the bytes of such a message and
/// the kernel would close its descriptors.
public struct LineReader {
  public let fd: Int32
  public let keepsDescriptors: Bool
  private var buffer: [UInt8] = []
  private var descriptors: [Int32] = []
  public init(fd: Int32, keepsDescriptors: Bool = false) {
    self.fd = fd
    self.keepsDescriptors = keepsDescriptors
  }

  /// The next `\n`-terminated line without the newline, or nil at end of file.
  public mutating func next() throws(Errno) -> String? {
    while true {
      if let nl = buffer.firstIndex(of: 10) {
        let line = String(decoding: buffer[0..<nl], as: UTF8.self)
        buffer.removeSubrange(0...nl)
        return line
      }
      var chunk = [UInt8](repeating: 0, count: 4096)
      let n =
        try keepsDescriptors
        ? receive(into: &chunk)
        : check {
          chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        }
      if n == 0 {
        if buffer.isEmpty { return nil }
        let line = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll()
        return line
      }
      buffer.append(contentsOf: chunk[0..<n])
    }
  }

  /// Bytes read from the descriptor but not yet returned as a line (what arrived right after the last one).
  public var pending: [UInt8] { buffer }

  /// The descriptors received so far (close-on-exec), in arrival order; the caller owns them now.
  public mutating func takeDescriptors() -> [Int32] {
    defer { descriptors.removeAll() }
    return descriptors
  }

  /// `recvmsg`, keeping any `SCM_RIGHTS` descriptors.
  private mutating func receive(into chunk: inout [UInt8]) throws(Errno) -> Int {
    var fds = [Int32](repeating: -1, count: Int(GR_MAX_FDS))
    var count: Int32 = 0
    let n = try check {
      chunk.withUnsafeMutableBytes { bytes in
        fds.withUnsafeMutableBufferPointer { gr_recv_fds(fd, bytes.baseAddress, bytes.count, $0.baseAddress, GR_MAX_FDS, &count) }
      }
    }
    descriptors += fds.prefix(Int(count))
    return n
  }
}
