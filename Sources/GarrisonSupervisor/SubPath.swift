#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// Resolves a `volumeMounts[].subPath` inside a volume so that neither `..` nor a symlink (absolute or
/// relative) can reach outside it: the lookup goes through GarrisonKernel's containment (``ContainedDirectory``,
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` from the volume's directory fd), and what is finally
/// mounted is the opened fd, not a path re-read later.
public enum SubPath {
  /// Static checks the API server makes: relative, no `..` component (and no NUL, which would cut the path).
  public static func validate(_ subPath: String, field: String) throws {
    if subPath.hasPrefix("/") {
      throw GarrisonError(.invalid, "Invalid value: \"\(subPath)\": must be a relative path", field: FieldPath(field))
    }
    if subPath.split(separator: "/").contains("..") {
      throw GarrisonError(.invalid, "Invalid value: \"\(subPath)\": must not contain '..'", field: FieldPath(field))
    }
    if subPath.utf8.contains(0) {
      throw GarrisonError(
        .invalid, "Invalid value: \"\(ContainedPath.printable(subPath))\": must not contain a NUL byte",
        field: FieldPath(field))
    }
  }

  /// Opens `subPath` beneath `volumeRoot` as an `O_PATH` fd, creating missing directories (as the kubelet
  /// does); the caller closes the fd. Throws `refused` naming `field` when the path escapes the volume.
  public static func open(volumeRoot: String, subPath: String, field: String, create: Bool) throws -> Int32 {
    try validate(subPath, field: field)
    do {
      let volume = try ContainedDirectory(path: volumeRoot, operation: "open volume")
      let parts = try ContainedPath.components(subPath, operation: "resolve subPath")
      do {
        return try volume.open(
          components: parts, flags: LinuxConstants.O_PATH, symlinks: .beneath,
          operation: "resolve subPath", shown: subPath)
      } catch  where error.code == .notFound && create {
        let dir = try volume.directory(parts, create: true, symlinks: .beneath, operation: "resolve subPath", shown: subPath)
        return try dir.open(components: [], flags: LinuxConstants.O_PATH, symlinks: .refuse, operation: "resolve subPath")
      }
    } catch var e {
      e.fieldPath = FieldPath(field)
      if e.code == .refused { e.message = "subPath \"\(ContainedPath.printable(subPath))\" resolves outside the volume: " + e.message }
      throw e
    }
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
    try FS.mkdirs(PathName.deletingLastComponent(target))
    if isDir {
      try FS.mkdirs(target)
    } else if FS.type(target) == nil {
      do {
        Kernel.close(
          try Kernel.open(target, flags: LinuxConstants.O_CREAT | LinuxConstants.O_WRONLY | LinuxConstants.O_NOFOLLOW, mode: 0o644))
      } catch {
        throw GarrisonError(.system, operation: "open", "cannot create \(target)", errno: error.rawValue)
      }
    }
    try Mounts.bind(fd: fd, target: target)
  }
}
