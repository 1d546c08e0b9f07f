import Foundation
import GarrisonCore
import CGarrisonLinux

/// Resolves a `volumeMounts[].subPath` inside a volume so that neither `..` nor a symlink (absolute or
/// relative) can reach outside it: every lookup is `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` from
/// the volume's directory fd, and what is finally mounted is the opened fd, not a path re-read later.
public enum SubPath {
  static let resolveBeneath: UInt64 = 0x08
  static let resolveNoMagiclinks: UInt64 = 0x02

  /// Static checks the API server makes: relative, no `..` component.
  public static func validate(_ subPath: String, field: String) throws {
    if subPath.hasPrefix("/") {
      throw GarrisonError(.invalid, "Invalid value: \"\(subPath)\": must be a relative path", field: FieldPath(field))
    }
    if subPath.split(separator: "/").contains("..") {
      throw GarrisonError(.invalid, "Invalid value: \"\(subPath)\": must not contain '..'", field: FieldPath(field))
    }
  }

  /// Opens `subPath` beneath `volumeRoot` as an `O_PATH` fd, creating missing directories (as the kubelet
  /// does); the caller closes the fd. Throws `refused` naming `field` when the path escapes the volume.
  public static func open(volumeRoot: String, subPath: String, field: String, create: Bool) throws -> Int32 {
    try validate(subPath, field: field)
    let rootFD = gr_open3(volumeRoot, LinuxFlags.O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0)
    guard rootFD >= 0 else {
      throw GarrisonError(.system, operation: "open", "cannot open volume \(volumeRoot)", field: FieldPath(field), errno: errno)
    }
    var current = rootFD
    let parts = subPath.split(separator: "/").map(String.init).filter { $0 != "." }
    if parts.isEmpty { return current }
    // Whole path at once (symlinks may move around inside the volume); the walk below only creates.
    let whole = gr_openat2(rootFD, parts.joined(separator: "/"), LinuxFlags.O_PATH | O_CLOEXEC, 0, resolveBeneath | resolveNoMagiclinks)
    if whole >= 0 {
      close(rootFD)
      return whole
    }
    if errno == EXDEV || errno == ELOOP {
      let e = errno
      close(rootFD)
      throw GarrisonError(.refused, operation: "openat2", "subPath \"\(subPath)\" resolves outside the volume (through a symlink)",
                          field: FieldPath(field), errno: e)
    }
    for (i, part) in parts.enumerated() {
      var fd = gr_openat2(current, part, LinuxFlags.O_PATH | O_CLOEXEC, 0, resolveBeneath | resolveNoMagiclinks)
      if fd < 0 && errno == ENOENT && create {
        // Missing component: create it as a directory (mkdirat never follows a symlink in the last component).
        if mkdirat(current, part, 0o755) != 0 && errno != EEXIST {
          let e = errno
          close(current)
          throw GarrisonError(.system, operation: "mkdirat", "cannot create subPath component \"\(part)\"", field: FieldPath(field), errno: e)
        }
        fd = gr_openat2(current, part, LinuxFlags.O_PATH | O_CLOEXEC, 0, resolveBeneath | resolveNoMagiclinks)
      }
      let e = errno
      close(current)
      guard fd >= 0 else {
        if e == EXDEV || e == ELOOP {
          throw GarrisonError(.refused, operation: "openat2",
                              "subPath \"\(subPath)\" resolves outside volume (component \"\(parts[0...i].joined(separator: "/"))\" is a symlink leaving the volume)",
                              field: FieldPath(field), errno: e)
        }
        throw GarrisonError(.system, operation: "openat2", "cannot resolve subPath \"\(subPath)\"", field: FieldPath(field), errno: e)
      }
      current = fd
    }
    return current
  }

  /// File type bits of an open fd.
  static func type(fd: Int32) throws -> mode_t {
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw GarrisonError(.system, operation: "fstat", "cannot stat subPath", errno: errno) }
    return st.st_mode & S_IFMT
  }

  /// Resolves `subPath` and bind-mounts it onto `target` (created as a directory or an empty file to match).
  public static func bindMount(volumeRoot: String, subPath: String, target: String, field: String, create: Bool) throws {
    let fd = try open(volumeRoot: volumeRoot, subPath: subPath, field: field, create: create)
    defer { close(fd) }
    let isDir = try type(fd: fd) == S_IFDIR
    try FS.mkdirs((target as NSString).deletingLastPathComponent)
    if isDir {
      try FS.mkdirs(target)
    } else if FS.type(target) == nil {
      let f = gr_open3(target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o644)
      guard f >= 0 else { throw GarrisonError(.system, operation: "open", "cannot create \(target)", errno: errno) }
      close(f)
    }
    try Mounts.bind(fd: fd, target: target)
  }
}
