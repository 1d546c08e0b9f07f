#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel

/// The audit log's file operations: GarrisonKernel's `FileIO` with each failure turned into a `GarrisonError`
/// naming the call and the path (the log's errors are shown to users; the system calls live in GarrisonKernel).
enum AuditIO {
  static func error(_ op: String, _ path: String, _ e: Int32 = Glibc.errno) -> GarrisonError {
    GarrisonError(.system, operation: op, "\(op) \(path): \(String(cString: strerror(e)))", errno: e)
  }

  /// Runs one kernel call, naming `op` and `path` in its error.
  @inline(__always)
  private static func call<T>(_ op: String, _ path: String, _ body: () throws(Errno) -> T) throws(GarrisonError) -> T {
    do throws(Errno) { return try body() } catch { throw AuditIO.error(op, path, error.rawValue) }
  }

  /// `open(2)` with `O_CLOEXEC`.
  static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o640) throws(GarrisonError) -> Int32 {
    try call("open", path) { () throws(Errno) in try Kernel.open(path, flags: flags | O_CLOEXEC, mode: Int32(mode)) }
  }

  static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(GarrisonError) {
    try call("write", path) { () throws(Errno) in try FileIO.writeAll(fd: fd, bytes) }
  }

  static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], offset: Int64, path: String) throws(GarrisonError) {
    try call("pwrite", path) { () throws(Errno) in try FileIO.pwriteAll(fd: fd, bytes, offset: offset) }
  }

  static func fsync(_ fd: Int32, path: String) throws(GarrisonError) {
    try call("fsync", path) { () throws(Errno) in try FileIO.sync(fd: fd) }
  }

  static func fsyncDirectory(_ path: String) throws(GarrisonError) {
    try call("fsync", path) { () throws(Errno) in try FileIO.syncDirectory(path) }
  }

  static func pread(_ fd: Int32, count: Int, offset: Int64, path: String) throws(GarrisonError) -> [UInt8] {
    try call("pread", path) { () throws(Errno) in try FileIO.pread(fd: fd, count: count, offset: offset) }
  }

  static func readAll(_ path: String) throws(GarrisonError) -> [UInt8] {
    try call("read", path) { () throws(Errno) in try FileIO.read(path) }
  }

  static func fstat(_ fd: Int32, path: String) throws(GarrisonError) -> stat {
    try call("fstat", path) { () throws(Errno) in try FileIO.status(fd: fd) }
  }

  static func exists(_ path: String) -> Bool { PathName.exists(path) }

  /// `mkdir -p` with mode 0750.
  static func makeDirectories(_ path: String) throws(GarrisonError) {
    try call("mkdir", path) { () throws(Errno) in try FileIO.makeDirectories(path, mode: 0o750) }
  }

  /// Entry names; a missing directory is `.notFound` ("no audit log at …").
  static func list(_ path: String) throws(GarrisonError) -> [String] {
    do throws(Errno) { return try FileIO.listDirectory(path) } catch {
      if error == .ENOENT {
        throw GarrisonError(.notFound, operation: "opendir", "no audit log at \(path) (directory does not exist)", errno: ENOENT)
      }
      throw AuditIO.error("opendir", path, error.rawValue)
    }
  }

  static func lock(_ fd: Int32, _ op: Int32, path: String) throws(GarrisonError) {
    try call("flock", path) { () throws(Errno) in try FileIO.lock(fd: fd, op) }
  }

  static func unlock(_ fd: Int32) { FileIO.unlock(fd: fd) }

  static func truncate(_ fd: Int32, to size: Int64, path: String) throws(GarrisonError) {
    try call("ftruncate", path) { () throws(Errno) in try FileIO.truncate(fd: fd, to: size) }
  }
}
