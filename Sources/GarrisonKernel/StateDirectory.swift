import GarrisonCore
import Glibc

/// The directories Garrison keeps state in (the state root, `images/`, `pods/`, …), made and checked the way
/// containerd and podman keep theirs: owned by the user Garrison runs as (root in production), never a
/// symlink, never writable by group or others, and no more open than the mode asked for.
///
/// A directory that exists but is owned by someone else, or is group/world-writable, is refused (`.refused`,
/// exit 3): another local user could otherwise plant layers, records or symlinks that root later trusts. One
/// that is merely more open than asked (an older Garrison made it 0755) is tightened, since it is ours.
public enum StateDirectory {
  /// Creates `path` with `mode` if it is missing (missing parents, which are not state, 0755 when
  /// `createParents`), then checks it as above and returns it. The checks and the chmod act on an `O_NOFOLLOW`
  /// descriptor, not on the path again.
  @discardableResult
  public static func ensure(_ path: String, mode: UInt32, createParents: Bool = false, tighten: Bool = true)
    throws(GarrisonError) -> String
  {
    if path.utf8.contains(0) {
      throw GarrisonError(.usage, operation: "open state directory", "`\(ContainedPath.printable(path))` contains a NUL byte")
    }
    if createParents {
      var prefix = path.hasPrefix("/") ? "" : "."
      for part in path.split(separator: "/").dropLast() {
        prefix += "/" + part
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
          throw GarrisonError(.system, operation: "mkdir", "cannot create \(prefix) for state directory \(path)", errno: errno)
        }
      }
    }
    if mkdir(path, mode_t(mode)) != 0 && errno != EEXIST {
      throw GarrisonError(.system, operation: "mkdir", "cannot create state directory \(path)", errno: errno)
    }
    let fd: Int32
    do {
      fd = try Kernel.open(path, flags: LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY | LinuxConstants.O_NOFOLLOW)
    } catch {
      if error == .ELOOP || error == .ENOTDIR {
        throw GarrisonError(
          .refused, operation: "open state directory", "\(path) is a symlink or not a directory; refusing to use it as state")
      }
      throw GarrisonError(.system, operation: "open", "cannot open state directory \(path)", errno: error.rawValue)
    }
    defer { Kernel.close(fd) }
    try check(fd: fd, path: path, mode: mode, tighten: tighten)
    return path
  }

  /// The ownership and permission checks of ``ensure(_:mode:createParents:tighten:)`` on an open directory;
  /// `tighten` narrows a directory more open than `mode` (off for a directory another tool made, e.g. the
  /// `--root` containerd gives garrison-oci).
  public static func check(fd: Int32, path: String, mode: UInt32, tighten: Bool = true) throws(GarrisonError) {
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw GarrisonError(.system, operation: "fstat", "cannot stat state directory \(path)", errno: errno)
    }
    let me = geteuid()
    guard st.st_uid == me else {
      throw GarrisonError(
        .refused, operation: "open state directory",
        "\(path) is owned by uid \(st.st_uid), not by uid \(me) that runs Garrison; refusing to trust it (remove it, or choose another --root)"
      )
    }
    let bits = UInt32(st.st_mode) & 0o7777
    guard bits & 0o022 == 0 else {
      throw GarrisonError(
        .refused, operation: "open state directory",
        "\(path) is writable by group or others (mode \(String(bits, radix: 8))); refusing to trust it (chmod go-w it, or choose another --root)"
      )
    }
    if tighten, bits & ~mode != 0, fchmod(fd, mode_t(bits & mode)) != 0 {
      throw GarrisonError(
        .system, operation: "chmod", "cannot restrict state directory \(path) to mode \(String(mode, radix: 8))", errno: errno)
    }
  }
}
