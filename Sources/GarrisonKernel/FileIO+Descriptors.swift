import Glibc

/// Descriptor-level file operations for durable logs: positioned reads, `fsync`, advisory locks and truncation,
/// each retrying `EINTR`.
extension FileIO {
  /// `fsync(2)` of `fd`.
  public static func sync(fd: Int32) throws(Errno) {
    _ = try check { Glibc.fsync(fd) }
  }

  /// `fsync(2)` of a directory, so that a newly created or renamed entry in it is durable.
  public static func syncDirectory(_ path: String) throws(Errno) {
    let fd = try Kernel.open(path, flags: O_RDONLY | O_DIRECTORY)
    defer { Kernel.close(fd) }
    try sync(fd: fd)
  }

  /// `pread(2)` of exactly `count` bytes at `offset`; fewer only at end of file.
  public static func pread(fd: Int32, count: Int, offset: Int64) throws(Errno) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
      let n = try check {
        buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + got, count - got, off_t(offset) + off_t(got)) }
      }
      if n == 0 { break }
      got += n
    }
    buffer.removeLast(count - got)
    return buffer
  }

  /// Writes all of `bytes` at `offset` (`pwrite(2)` loop; short writes continued).
  public static func pwriteAll(fd: Int32, _ bytes: [UInt8], offset: Int64) throws(Errno) {
    var done = 0
    while done < bytes.count {
      done += try check {
        bytes.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
      }
    }
  }

  /// `fstat(2)` of `fd`.
  public static func status(fd: Int32) throws(Errno) -> stat {
    var st = stat()
    _ = try check { Glibc.fstat(fd, &st) }
    return st
  }

  /// `flock(2)` with `operation` (`LOCK_EX`, `LOCK_SH`, optionally `| LOCK_NB`).
  public static func lock(fd: Int32, _ operation: Int32) throws(Errno) {
    _ = try check { flock(fd, operation) }
  }

  /// Releases a `flock(2)` lock; a failure cannot be acted on (closing the descriptor releases it too).
  public static func unlock(fd: Int32) {
    _ = try? check { flock(fd, LOCK_UN) }
  }

  /// `ftruncate(2)` to `size` bytes.
  public static func truncate(fd: Int32, to size: Int64) throws(Errno) {
    _ = try check { ftruncate(fd, off_t(size)) }
  }
}

/// Directory-level operations: listing and `mkdir -p`.
extension FileIO {
  /// Entry names of a directory, without `.` and `..`, in the order the kernel returns them.
  public static func listDirectory(_ path: String) throws(Errno) -> [String] {
    try cPath(path)
    guard let dir = opendir(path) else { throw Errno.current }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// `mkdir -p`: creates each missing component of `path` with `mode`; existing directories are kept as they are.
  public static func makeDirectories(_ path: String, mode: UInt32) throws(Errno) {
    try cPath(path)
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, mode_t(mode)) != 0 && errno != EEXIST { throw Errno.current }
    }
  }
}
