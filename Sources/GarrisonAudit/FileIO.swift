#if canImport(Glibc)
import Glibc
#endif
import GarrisonCore

/// Thin wrappers over the POSIX calls the audit log uses; each throws a `GarrisonError` naming the call and path.
enum FileIO {
  static func error(_ op: String, _ path: String, _ e: Int32 = Glibc.errno) -> GarrisonError {
    GarrisonError(.system, operation: op, "\(op) \(path): \(String(cString: strerror(e)))", errno: e)
  }

  /// `open(2)`, retrying on EINTR.
  static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o640) throws(GarrisonError) -> Int32 {
    while true {
      let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
      if fd >= 0 { return fd }
      if errno != EINTR { throw error("open", path) }
    }
  }

  /// Writes all bytes with `write(2)`, retrying on EINTR and short writes.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(GarrisonError) {
    var off = 0
    while off < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
      if n < 0 {
        if errno == EINTR { continue }
        throw error("write", path)
      }
      off += n
    }
  }

  /// Writes all bytes at `offset` with `pwrite(2)`, retrying on EINTR and short writes.
  static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], offset: Int64, path: String) throws(GarrisonError) {
    var off = 0
    while off < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress! + off, bytes.count - off, off_t(offset) + off_t(off)) }
      if n < 0 {
        if errno == EINTR { continue }
        throw error("pwrite", path)
      }
      off += n
    }
  }

  /// `fsync(2)`.
  static func fsync(_ fd: Int32, path: String) throws(GarrisonError) {
    while Glibc.fsync(fd) != 0 {
      if errno != EINTR { throw error("fsync", path) }
    }
  }

  /// `fsync(2)` on a directory, so that a newly created file's entry is durable.
  static func fsyncDirectory(_ path: String) throws(GarrisonError) {
    let fd = try open(path, O_RDONLY | O_DIRECTORY)
    defer { close(fd) }
    try fsync(fd, path: path)
  }

  /// `pread(2)` of exactly `count` bytes at `offset` (fewer only at end of file).
  static func pread(_ fd: Int32, count: Int, offset: Int64, path: String) throws(GarrisonError) -> [UInt8] {
    var buf = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
      let n = buf.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + got, count - got, off_t(offset) + off_t(got)) }
      if n < 0 {
        if errno == EINTR { continue }
        throw error("pread", path)
      }
      if n == 0 { break }
      got += n
    }
    buf.removeLast(count - got)
    return buf
  }

  /// Reads a whole file.
  static func readAll(_ path: String) throws(GarrisonError) -> [UInt8] {
    let fd = try open(path, O_RDONLY)
    defer { close(fd) }
    var out: [UInt8] = []
    let size = try fstat(fd, path: path).st_size
    out.reserveCapacity(Int(size) + 1)
    // The file's size when it has one (a /proc file reports 0): a zero-filled buffer costs page faults.
    var chunk = [UInt8](repeating: 0, count: size > 0 ? min(Int(size) + 1, 1 << 20) : 16 << 10)
    while true {
      let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw error("read", path)
      }
      if n == 0 { return out }
      out.append(contentsOf: chunk[0..<n])
    }
  }

  /// `fstat(2)`.
  static func fstat(_ fd: Int32, path: String) throws(GarrisonError) -> stat {
    var st = stat()
    if Glibc.fstat(fd, &st) != 0 { throw error("fstat", path) }
    return st
  }

  /// Whether a path exists (`access(F_OK)`).
  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// `mkdir -p` with mode 0750.
  static func makeDirectories(_ path: String) throws(GarrisonError) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o750) != 0 && errno != EEXIST { throw error("mkdir", current) }
    }
  }

  /// Directory entry names (without `.` and `..`).
  static func list(_ path: String) throws(GarrisonError) -> [String] {
    guard let dir = opendir(path) else {
      if errno == ENOENT {
        throw GarrisonError(.notFound, operation: "opendir", "no audit log at \(path) (directory does not exist)", errno: ENOENT)
      }
      throw error("opendir", path)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let ent = readdir(dir) {
      let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// `flock(2)`, retrying on EINTR.
  static func lock(_ fd: Int32, _ op: Int32, path: String) throws(GarrisonError) {
    while systemFlock(fd, op) != 0 {
      if errno != EINTR { throw error("flock", path) }
    }
  }

  /// Releases a `flock(2)` lock (closing the file would too; an unlock failure cannot be acted on).
  static func unlock(_ fd: Int32) {
    while systemFlock(fd, LOCK_UN) != 0 && errno == EINTR {}
  }

  /// `ftruncate(2)`.
  static func truncate(_ fd: Int32, to size: Int64, path: String) throws(GarrisonError) {
    if ftruncate(fd, off_t(size)) != 0 { throw error("ftruncate", path) }
  }
}

/// `flock(2)` at file scope, where the name is not shadowed by `FileIO` members.
private func systemFlock(_ fd: Int32, _ op: Int32) -> Int32 { flock(fd, op) }
