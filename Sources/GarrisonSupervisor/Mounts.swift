#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// `mount(2)` and `umount2(2)` for the supervisor's own mounts (overlay roots, tmpfs volumes, subPath binds).
public enum Mounts {
  /// The corresponding C function is `mount`.
  public static func mount(source: String, target: String, type: String?, flags: UInt, data: String?) throws {
    do { try Kernel.mount(source: source, target: target, type: type, flags: flags, data: data) } catch {
      throw GarrisonError(
        .system, operation: "mount", "cannot mount \(type ?? "bind") \(source) on \(target)", errno: error.rawValue)
    }
  }

  /// Bind-mounts an already opened object (an `O_PATH` fd) onto `target`: what was resolved safely is what
  /// gets mounted, even if the path it came from is swapped afterwards.
  public static func bind(fd: Int32, target: String) throws {
    try mount(source: "/proc/self/fd/\(fd)", target: target, type: nil, flags: UInt(MS_BIND), data: nil)
  }

  /// Detaches a mount (`MNT_DETACH`); a target that is not mounted is fine.
  public static func unmount(_ target: String) throws {
    do {
      while true { try Kernel.unmount(target, flags: Int32(MNT_DETACH)) }  // stacked mounts: peel them all
    } catch  where error.rawValue == EINVAL || error.rawValue == ENOENT {
      return
    } catch {
      throw GarrisonError(.system, operation: "umount2", "cannot unmount \(target)", errno: error.rawValue)
    }
  }

  /// Whether `path` is a mount point in this mount namespace (from /proc/self/mountinfo).
  public static func isMountPoint(_ path: String) -> Bool {
    guard let mounts = try? MountInfoEntry.current() else { return false }
    return mounts.contains { $0.mountPoint == path }
  }
}

/// Small filesystem helpers that fail with a `GarrisonError`.
public enum FS {
  public static func mkdirs(_ path: String, mode: Int = 0o755) throws {
    do { try FileIO.makeDirectories(path, mode: UInt32(mode)) } catch {
      throw GarrisonError(.system, operation: "mkdir", "cannot create \(path)", errno: error.rawValue)
    }
  }

  public static func chmod(_ path: String, _ mode: mode_t) throws {
    guard Glibc.chmod(path, mode) == 0 else { throw GarrisonError(.system, operation: "chmod", "cannot chmod \(path)", errno: errno) }
  }

  public static func lchown(_ path: String, uid: uid_t, gid: gid_t) throws {
    guard Glibc.lchown(path, uid, gid) == 0 else { throw GarrisonError(.system, operation: "lchown", "cannot chown \(path)", errno: errno) }
  }

  /// `lstat` file type bits, nil if absent.
  public static func type(_ path: String) -> mode_t? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return st.st_mode & S_IFMT
  }

  /// `stat` (following symlinks) type bits, nil if absent.
  public static func followType(_ path: String) -> mode_t? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return st.st_mode & S_IFMT
  }
}

/// Flags glibc's Swift overlay does not export.
public enum LinuxFlags {
  public static let O_PATH: Int32 = 0o10000000
}

/// A close-on-exec pipe (`Kernel.pipe`, `pipe2(O_CLOEXEC)`).
public func makePipe() throws -> (read: Int32, write: Int32) {
  do { return try Kernel.pipe() } catch {
    throw GarrisonError(.system, operation: "pipe2", "cannot create a pipe", errno: error.rawValue)
  }
}
