import CGarrisonLinux
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import Glibc

/// An executable handle on garrison-init that no container process can write through (CVE-2019-5736).
///
/// Preferred: the binary opened `O_PATH` through a private, read-only overlayfs mount made with the new mount
/// API (`fsopen`/`fsconfig`/`fsmount`) and never attached to any mount namespace. Writes through
/// `/proc/<pid>/exe` fail with EROFS, the mount cannot be remounted read-write because nothing can reach it,
/// and nothing is copied (runc ≥ 1.2 uses the same construction). Fallback, when the kernel lacks overlayfs or
/// the new mount API: a sealed memfd copy (`F_SEAL_WRITE|GROW|SHRINK|SEAL`), equally immutable but a full copy
/// of the binary per process.
enum SealedInit {
  /// An fd to execute through `/proc/self/fd/<fd>` and, for an overlay, the descriptor of its detached mount
  /// (-1 for a memfd copy), which the caller closes once nothing waits for it (`SealedInitCache`):
  /// closing it dissolves the mount's private namespace, which waits for an RCU grace period (0.5–2 ms here),
  /// while the handle keeps the mount itself alive.
  struct Handle {
    var fd: Int32
    var detachedMount: Int32
  }

  /// Makes the handle.
  static func open(initPath: String, scratchDirectory: String) throws -> Handle {
    if let (fd, mount) = overlayHandle(initPath: initPath, scratchDirectory: scratchDirectory) {
      return Handle(fd: fd, detachedMount: mount)
    }
    return Handle(fd: try memfdCopy(initPath: initPath), detachedMount: -1)
  }

  /// The overlay handle and its detached mount, or nil when this kernel cannot make one (the caller falls back
  /// to a memfd copy, which is as safe). The upper lower-layer is garrison-init's own directory; overlayfs
  /// needs a second, empty lower layer to run in lower-only (read-only) mode: `scratchDirectory`.
  static func overlayHandle(initPath: String, scratchDirectory: String) -> (fd: Int32, mount: Int32)? {
    let directory = PathName.deletingLastComponent(initPath)
    let name = PathName.lastComponent(initPath)
    guard !directory.isEmpty, !name.isEmpty, mkdirIfMissing(scratchDirectory) else { return nil }
    let context = gr_fsopen("overlay", 1 /* FSOPEN_CLOEXEC */)
    guard context >= 0 else { return nil }
    defer { Glibc.close(context) }
    let lower = escapeLowerDir(directory) + ":" + escapeLowerDir(scratchDirectory)
    guard gr_fsconfig_string(context, "lowerdir", lower) == 0 else { return nil }
    _ = gr_fsconfig_string(context, "xino", "off")  // optional feature; only silences a kernel log line
    guard gr_fsconfig_create(context) == 0 else { return nil }
    // MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV.
    let mount = gr_fsmount(context, 1 /* FSMOUNT_CLOEXEC */, 0x1 | 0x2 | 0x4)
    guard mount >= 0 else { return nil }
    let fd = gr_openat3(mount, name, LinuxConstants.O_PATH | O_NOFOLLOW | O_CLOEXEC, 0)
    guard fd >= 0 else {
      Glibc.close(mount)
      return nil
    }
    return (fd, mount)
  }

  /// Overlayfs splits `lowerdir` on `:`; a backslash escapes.
  static func escapeLowerDir(_ path: String) -> String {
    var escaped = String.UnicodeScalarView()
    for scalar in path.unicodeScalars {
      if scalar == "\\" || scalar == ":" { escaped.append("\\") }
      escaped.append(scalar)
    }
    return String(escaped)
  }

  private static func mkdirIfMissing(_ path: String) -> Bool {
    if mkdir(path, 0o700) == 0 || errno == EEXIST { return true }
    return false
  }

  /// A sealed memfd copy of the binary.
  static func memfdCopy(initPath: String) throws -> Int32 {
    let src = Glibc.open(initPath, O_RDONLY | O_CLOEXEC)
    guard src >= 0 else {
      throw GarrisonError(.notFound, operation: "open \(initPath)", "cannot open garrison-init", errno: errno)
    }
    defer { Glibc.close(src) }
    let fd: Int32
    do { fd = try Kernel.memfd("garrison-init", sealable: true) } catch {
      throw GarrisonError(.system, operation: "memfd_create", "cannot copy garrison-init", errno: error.rawValue)
    }
    var st = stat()
    fstat(src, &st)
    var remaining = Int(st.st_size)
    while remaining > 0 {
      let n = sendfile(fd, src, nil, remaining)
      if n <= 0 {
        let err = errno
        Glibc.close(fd)
        throw GarrisonError(.system, operation: "sendfile", "cannot copy garrison-init", errno: err)
      }
      remaining -= n
    }
    guard gr_memfd_seal(fd) == 0 else {
      let err = errno
      Glibc.close(fd)
      throw GarrisonError(.system, operation: "fcntl(F_ADD_SEALS)", "cannot seal garrison-init copy", errno: err)
    }
    return fd
  }
}
