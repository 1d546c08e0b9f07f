import Foundation
import GarrisonCore
import GarrisonKernel
import CGarrisonLinux

/// `mount(2)` and `umount2(2)` for the supervisor's own mounts (overlay roots, tmpfs volumes, subPath binds).
public enum Mounts {
  /// The corresponding C function is `mount`.
  public static func mount(source: String, target: String, type: String?, flags: UInt, data: String?) throws {
    let rc = Glibc.mount(source, target, type, flags, data)
    guard rc == 0 else {
      throw GarrisonError(.system, operation: "mount", "cannot mount \(type ?? "bind") \(source) on \(target)", errno: errno)
    }
  }

  /// Bind-mounts an already opened object (an `O_PATH` fd) onto `target`: what was resolved safely is what
  /// gets mounted, even if the path it came from is swapped afterwards.
  public static func bind(fd: Int32, target: String) throws {
    try mount(source: "/proc/self/fd/\(fd)", target: target, type: nil, flags: UInt(MS_BIND), data: nil)
  }

  /// Detaches a mount (`MNT_DETACH`); a target that is not mounted is fine.
  public static func unmount(_ target: String) throws {
    while Glibc.umount2(target, Int32(MNT_DETACH)) == 0 {}  // stacked mounts: peel them all
    if errno != EINVAL && errno != ENOENT {
      throw GarrisonError(.system, operation: "umount2", "cannot unmount \(target)", errno: errno)
    }
  }

  /// Whether `path` is a mount point in this mount namespace (from /proc/self/mountinfo).
  public static func isMountPoint(_ path: String) -> Bool {
    guard let info = try? FileIO.readText("/proc/self/mountinfo") else { return false }
    return info.split(separator: "\n").contains { line in
      let f = line.split(separator: " ")
      return f.count > 4 && unescape(String(f[4])) == path
    }
  }

  static func unescape(_ s: String) -> String {
    s.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
      .replacingOccurrences(of: "\\012", with: "\n").replacingOccurrences(of: "\\134", with: "\\")
  }
}

/// Small filesystem helpers that fail with a `GarrisonError`.
enum FS {
  static func mkdirs(_ path: String, mode: Int = 0o755) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
    } catch {
      throw GarrisonError(.system, operation: "mkdir", "cannot create \(path): \(error.localizedDescription)")
    }
  }

  static func chmod(_ path: String, _ mode: mode_t) throws {
    guard Glibc.chmod(path, mode) == 0 else { throw GarrisonError(.system, operation: "chmod", "cannot chmod \(path)", errno: errno) }
  }

  static func lchown(_ path: String, uid: uid_t, gid: gid_t) throws {
    guard Glibc.lchown(path, uid, gid) == 0 else { throw GarrisonError(.system, operation: "lchown", "cannot chown \(path)", errno: errno) }
  }

  /// `lstat` file type bits, nil if absent.
  static func type(_ path: String) -> mode_t? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return st.st_mode & S_IFMT
  }

  /// `stat` (following symlinks) type bits, nil if absent.
  static func followType(_ path: String) -> mode_t? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return st.st_mode & S_IFMT
  }
}

/// Flags glibc's Swift overlay does not export.
enum LinuxFlags {
  static let O_PATH: Int32 = 0o10000000
}

#if arch(x86_64)
private let sysPipe2 = 293
#else
private let sysPipe2 = 59  // aarch64
#endif

/// `pipe2(O_CLOEXEC)` through the raw syscall (glibc declares `pipe2` only under _GNU_SOURCE).
func makePipe() throws -> (read: Int32, write: Int32) {
  var fds: [Int32] = [-1, -1]
  let rc = fds.withUnsafeMutableBufferPointer { p in
    gr_syscall6(sysPipe2, Int(bitPattern: p.baseAddress!), Int(O_CLOEXEC), 0, 0, 0, 0)
  }
  guard rc == 0 else { throw GarrisonError(.system, operation: "pipe2", "cannot create a pipe", errno: errno) }
  return (fds[0], fds[1])
}
