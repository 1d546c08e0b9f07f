#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif
import GarrisonCore
import GarrisonKernel

/// Thin, error-naming wrappers over the file system calls the cgroup code needs
/// (`open`/`read`/`write`/`mkdir`/`rmdir`/`opendir`). Every failure is a `GarrisonError`
/// whose message names the file and, for writes, the value: `write memory.max = 134217728: EINVAL`.
enum CgroupFS {
  /// Reads a whole (proc/sysfs/cgroupfs) file through GarrisonKernel's `FileIO.read` (`open` + `read` loop,
  /// EINTR retried).
  static func read(_ path: String) throws -> String {
    do throws(Errno) {
      return String(decoding: try FileIO.read(path), as: UTF8.self)
    } catch {
      throw failure("read", path: path, errno: error.rawValue)
    }
  }

  /// Reads a file and trims the trailing newline and spaces.
  static func readValue(_ path: String) throws -> String {
    var text = try read(path)
    while let last = text.last, last == "\n" || last == " " { text.removeLast() }
    return text
  }

  /// Writes `value` to a cgroup control file with a single `write(2)` call (cgroupfs needs the
  /// whole value in one write). The corresponding C functions are `open` and `write`.
  static func write(_ path: String, _ value: String) throws {
    let fd = retryingEINTR { open(path, O_WRONLY | O_CLOEXEC) }
    if fd < 0 { throw failure("write", path: path, value: value, errno: errno) }
    defer { close(fd) }
    let bytes = Array(value.utf8)
    let n = bytes.withUnsafeBytes { buf in retryingEINTR { Glibc.write(fd, buf.baseAddress, buf.count) } }
    if n < 0 { throw failure("write", path: path, value: value, errno: errno) }
    if n != bytes.count {
      throw GarrisonError(
        .system, operation: "write \(baseName(path))",
        "write \(baseName(path)) = \(value): short write (\(n) of \(bytes.count) bytes) at \(path)")
    }
  }

  /// Whether `path` exists (any file type). The corresponding C function is `access`.
  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// Creates one directory; returns false if it already existed. The corresponding C function is `mkdir`.
  @discardableResult
  static func makeDirectory(_ path: String) throws -> Bool {
    if mkdir(path, 0o755) == 0 { return true }
    let e = errno
    if e == EEXIST { return false }
    throw failure("mkdir", path: path, errno: e)
  }

  /// Removes one (cgroup) directory. Returns the errno instead of throwing so callers can retry
  /// on EBUSY. The corresponding C function is `rmdir`.
  static func removeDirectory(_ path: String) -> Int32 {
    rmdir(path) == 0 ? 0 : errno
  }

  /// Names of the subdirectories of `path` (not `.`/`..`). The corresponding C functions are
  /// `opendir` and `readdir`.
  static func subdirectories(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw failure("opendir", path: path, errno: errno) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      if entry.pointee.d_type == UInt8(DT_DIR) { names.append(name) }
    }
    return names.sorted()
  }

  /// The last path component, used to name control files in messages.
  static func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  /// A `.system` error `"<op> <file> = <value>: EINVAL (Invalid argument) at <path>"`.
  static func failure(_ op: String, path: String, value: String? = nil, errno e: Int32) -> GarrisonError {
    let file = baseName(path)
    let subject = value.map { "\(file) = \($0)" } ?? file
    let code: GarrisonError.Code = e == ENOENT ? .notFound : .system
    return GarrisonError(
      code, operation: "\(op) \(file)",
      "\(op) \(subject): \(Errno(rawValue: e).name) (\(String(cString: strerror(e)))) at \(path)", errno: e)
  }

  /// Runs `body` again while it fails with EINTR.
  static func retryingEINTR<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
      let r = body()
      if r < 0 && errno == EINTR { continue }
      return r
    }
  }
}
