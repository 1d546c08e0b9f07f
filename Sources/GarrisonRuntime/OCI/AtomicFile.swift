import GarrisonCore
import GarrisonKernel
import Glibc

/// Small runtime files (state.json, pid files, attestation reports) written whole: a temporary file renamed
/// into place, so readers see the old or the new content, never a part. No fsync: the state root is normally
/// a tmpfs (/run) and container state does not outlive a reboot anyway.
enum AtomicFile {
  static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
    let tmp = path + ".tmp"
    let fd = Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open \(tmp)", "cannot write file", errno: errno) }
    do {
      try FileIO.writeAll(fd: fd, bytes)
    } catch {
      Glibc.close(fd)
      unlink(tmp)
      throw GarrisonError(.system, operation: "write \(tmp)", "cannot write file", errno: error.rawValue)
    }
    Glibc.close(fd)
    guard rename(tmp, path) == 0 else {
      let err = errno
      unlink(tmp)
      throw GarrisonError(.system, operation: "rename \(tmp) \(path)", "cannot write file", errno: err)
    }
  }
}
