import GarrisonCore
import Glibc

extension FileIO {
  /// Replaces `path` with `bytes` through a temporary file (`<path>.tmp.<pid>`, opened `O_NOFOLLOW`, given
  /// `mode`) renamed into place, so readers see the old content or the new, never part of it. `durable`
  /// fsyncs the data before the rename, for state that must survive a power loss; runtime state on a tmpfs
  /// does not need it. The temporary file is removed on failure.
  public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t, durable: Bool) throws(GarrisonError) {
    let tmp = path + ".tmp.\(getpid())"
    func fail(_ operation: String, _ err: Int32) -> GarrisonError {
      unlink(tmp)
      return GarrisonError(.system, operation: "\(operation) \(tmp)", "cannot write \(path)", errno: err)
    }
    let fd = Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open \(tmp)", "cannot write \(path)", errno: errno) }
    do { try writeAll(fd: fd, bytes) } catch {
      Glibc.close(fd)
      throw fail("write", error.rawValue)
    }
    // The mode of an existing temporary file is not changed by open(2): set it explicitly.
    if fchmod(fd, mode) != 0 {
      let err = errno
      Glibc.close(fd)
      throw fail("fchmod", err)
    }
    if durable && fsync(fd) != 0 {
      let err = errno
      Glibc.close(fd)
      throw fail("fsync", err)
    }
    Glibc.close(fd)
    guard rename(tmp, path) == 0 else { throw fail("rename to \(path)", errno) }
  }
}
