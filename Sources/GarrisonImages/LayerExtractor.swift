import CXattr
import Foundation
import GarrisonCore

#if canImport(Glibc)
  import Glibc
#endif

/// Extracts one layer tar into a directory without ever leaving it.
///
/// Every path is walked component by component with `openat(O_NOFOLLOW|O_DIRECTORY)`, so no symlink is
/// followed while writing: a member whose parent is a symlink (e.g. `a -> /etc` then `a/passwd`) is refused.
/// Files are created with `O_EXCL|O_NOFOLLOW` after removing what was there, so an earlier link is never
/// written through. Symlinks and hard links are stored as links (symlink targets verbatim; hard-link targets
/// must name a member inside the layer). OCI whiteouts become overlayfs whiteouts: `.wh.NAME` → character
/// device 0/0 `NAME`; `.wh..wh..opq` → `trusted.overlay.opaque=y` on the directory.
/// Device nodes are created only when running as root (skipped otherwise); ownership is preserved only as root.
/// Only `user.*` and `security.capability` extended attributes are applied (never `trusted.*`, which would let
/// a layer steer overlayfs).
public final class LayerExtractor {
  /// What an extraction did.
  public struct Summary: Sendable, Equatable {
    public var entries = 0
    public var whiteouts = 0
    public var opaqueDirectories = 0
    public var skippedDevices = 0
  }

  private let root: String
  private let rootFD: Int32
  private let isRoot: Bool
  private var deferredDirectories: [(components: [String], entry: TarEntry)] = []
  public private(set) var summary = Summary()

  /// `directory` must exist and be empty (or hold a previous extraction to overlay onto).
  public init(directory: String, asRoot: Bool = geteuid() == 0) throws {
    root = directory
    isRoot = asRoot
    rootFD = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard rootFD >= 0 else { throw Self.sysError("open", directory) }
  }

  deinit { _ = close(rootFD) }

  /// Extracts every member of `reader`.
  public func extract(_ reader: TarReader) throws {
    while let entry = try reader.next() {
      try extract(entry, reader: reader)
    }
    try applyDeferredDirectoryMetadata()
  }

  // MARK: - Members

  private func extract(_ entry: TarEntry, reader: TarReader) throws {
    let parts = try SafePath.components(entry.path)
    guard let name = parts.last else { return }  // the layer root itself: its metadata is not taken
    summary.entries += 1
    let parent = try openDirectory(Array(parts.dropLast()), create: true, member: entry.path)
    defer { _ = close(parent) }

    if name == ".wh..wh..opq" {
      try requireRoot(for: "opaque directory `\(entry.path)`")
      let rc = "y".withCString { fsetxattr(parent, "trusted.overlay.opaque", $0, 1, 0) }
      guard rc == 0 else { throw Self.sysError("fsetxattr trusted.overlay.opaque", entry.path) }
      summary.opaqueDirectories += 1
      return
    }
    if name.hasPrefix(".wh..wh.") {
      throw GarrisonError(.refused, operation: "extract", "unsupported whiteout metadata member `\(entry.path)`")
    }
    if name.hasPrefix(".wh.") {
      let hidden = String(name.dropFirst(4))
      guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
        throw GarrisonError(.refused, operation: "extract", "malformed whiteout `\(entry.path)`")
      }
      try requireRoot(for: "whiteout `\(entry.path)`")
      try removeExisting(parent, hidden, keepDirectory: false)
      guard mknodat(parent, hidden, S_IFCHR | 0o000, 0) == 0 else { throw Self.sysError("mknod whiteout", entry.path) }
      summary.whiteouts += 1
      return
    }

    switch entry.kind {
    case .directory:
      try removeExisting(parent, name, keepDirectory: true)
      if mkdirat(parent, name, 0o700) != 0 && errno != EEXIST { throw Self.sysError("mkdir", entry.path) }
      deferredDirectories.append((parts, entry))
    case .regular:
      try removeExisting(parent, name, keepDirectory: false)
      let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw Self.sysError("create", entry.path) }
      defer { _ = close(fd) }
      try reader.readData { chunk in try Self.writeAll(fd, chunk, entry.path) }
      try applyMetadata(fd: fd, entry)
    case .symbolicLink:
      try removeExisting(parent, name, keepDirectory: false)
      guard symlinkat(entry.linkName, parent, name) == 0 else { throw Self.sysError("symlink", entry.path) }
      try applyLinkMetadata(parent, name, entry)
    case .hardLink:
      let target = try SafePath.components(entry.linkName)
      guard let targetName = target.last else {
        throw GarrisonError(.refused, operation: "extract", "hard link `\(entry.path)` to the layer root")
      }
      let targetParent = try openDirectory(Array(target.dropLast()), create: false, member: entry.linkName)
      defer { _ = close(targetParent) }
      if target == parts { return }  // a link to itself: nothing to do
      try removeExisting(parent, name, keepDirectory: false)
      // flags 0: link the target entry itself, never what a symlink target points to.
      guard linkat(targetParent, targetName, parent, name, 0) == 0 else {
        throw Self.sysError("link to `\(entry.linkName)`", entry.path)
      }
    case .characterDevice, .blockDevice:
      guard isRoot else {
        summary.skippedDevices += 1
        return
      }
      try removeExisting(parent, name, keepDirectory: false)
      let type = entry.kind == .characterDevice ? S_IFCHR : S_IFBLK
      guard mknodat(parent, name, type | (entry.mode & 0o777), Self.makedev(entry.deviceMajor, entry.deviceMinor)) == 0
      else { throw Self.sysError("mknod", entry.path) }
      try applyLinkMetadata(parent, name, entry, chmod: true)
    case .fifo:
      try removeExisting(parent, name, keepDirectory: false)
      guard mknodat(parent, name, S_IFIFO | (entry.mode & 0o777), 0) == 0 else { throw Self.sysError("mkfifo", entry.path) }
      try applyLinkMetadata(parent, name, entry, chmod: true)
    }
  }

  // MARK: - Walking without following links

  /// Opens the directory `parts` below the root, creating missing directories (0755) when asked.
  /// A component that is a symlink or not a directory is refused.
  private func openDirectory(_ parts: [String], create: Bool, member: String) throws -> Int32 {
    var fd = dup(rootFD)
    guard fd >= 0 else { throw Self.sysError("dup", root) }
    for part in parts {
      var next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if next < 0 && errno == ENOENT && create {
        guard mkdirat(fd, part, 0o755) == 0 else {
          let e = errno
          _ = close(fd)
          throw GarrisonError(.system, operation: "mkdir", "cannot create parent of `\(member)`", errno: e)
        }
        next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      }
      let e = errno
      _ = close(fd)
      guard next >= 0 else {
        if e == ELOOP || e == ENOTDIR {
          throw GarrisonError(.refused, operation: "extract",
            "tar member `\(member)` goes through `\(part)`, which is a symlink or not a directory; refusing to follow it",
            errno: e)
        }
        throw GarrisonError(e == ENOENT ? .invalid : .system, operation: "open",
          "cannot open directory `\(part)` for `\(member)`", errno: e)
      }
      fd = next
    }
    return fd
  }

  /// Removes `name` in `dir` unless it is absent, or a directory and `keepDirectory` is set.
  private func removeExisting(_ dir: Int32, _ name: String, keepDirectory: Bool) throws {
    var st = stat()
    guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
      if errno == ENOENT { return }
      throw Self.sysError("stat", name)
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      if keepDirectory { return }
      try Self.removeTree(dir, name)
    } else if unlinkat(dir, name, 0) != 0 {
      throw Self.sysError("unlink", name)
    }
  }

  /// Deletes a directory tree below `dir` without following symlinks.
  static func removeTree(_ dir: Int32, _ name: String) throws {
    let fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw sysError("open", name) }
    guard let stream = fdopendir(fd) else {
      _ = close(fd)
      throw sysError("fdopendir", name)
    }
    defer { closedir(stream) }
    var children: [(String, Bool)] = []
    while let ent = readdir(stream) {
      let child = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if child == "." || child == ".." { continue }
      var isDir = ent.pointee.d_type == UInt8(DT_DIR)
      if ent.pointee.d_type == UInt8(DT_UNKNOWN) {  // some filesystems do not fill d_type
        var st = stat()
        guard fstatat(fd, child, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw sysError("stat", child) }
        isDir = (st.st_mode & S_IFMT) == S_IFDIR
      }
      children.append((child, isDir))
    }
    for (child, isDir) in children {
      if isDir { try removeTree(fd, child) } else if unlinkat(fd, child, 0) != 0 { throw sysError("unlink", child) }
    }
    guard unlinkat(dir, name, AT_REMOVEDIR) == 0 else { throw sysError("rmdir", name) }
  }

  // MARK: - Metadata

  private func applyMetadata(fd: Int32, _ entry: TarEntry) throws {
    if isRoot {
      guard fchown(fd, uid_t(entry.uid), gid_t(entry.gid)) == 0 else { throw Self.sysError("fchown", entry.path) }
      for (name, value) in entry.xattrs where name == "security.capability" || name.hasPrefix("user.") {
        let rc = value.withUnsafeBytes { fsetxattr(fd, name, $0.baseAddress, $0.count, 0) }
        guard rc == 0 else { throw Self.sysError("fsetxattr \(name)", entry.path) }
      }
    }
    // After chown, which clears setuid/setgid bits.
    guard fchmod(fd, mode_t(entry.mode & 0o7777)) == 0 else { throw Self.sysError("fchmod", entry.path) }
    var times = [timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0),
                 timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0)]
    guard futimens(fd, &times) == 0 else { throw Self.sysError("futimens", entry.path) }
  }

  private func applyLinkMetadata(_ parent: Int32, _ name: String, _ entry: TarEntry, chmod: Bool = false) throws {
    if isRoot, fchownat(parent, name, uid_t(entry.uid), gid_t(entry.gid), AT_SYMLINK_NOFOLLOW) != 0 {
      throw Self.sysError("lchown", entry.path)
    }
    if chmod, fchmodat(parent, name, mode_t(entry.mode & 0o777), 0) != 0 { throw Self.sysError("chmod", entry.path) }
    var times = [timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0),
                 timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0)]
    guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw Self.sysError("utimensat", entry.path) }
  }

  /// Directory modes and times are set last (deepest first) so that later members can still be written into them.
  private func applyDeferredDirectoryMetadata() throws {
    for (parts, entry) in deferredDirectories.reversed() {
      let fd = try openDirectory(parts, create: false, member: entry.path)
      defer { _ = close(fd) }
      try applyMetadata(fd: fd, entry)
    }
    deferredDirectories.removeAll()
  }

  private func requireRoot(for what: String) throws {
    guard isRoot else {
      throw GarrisonError(.unenforceable, operation: "extract", "cannot represent \(what) for overlayfs without root")
    }
  }

  // MARK: - Helpers

  static func writeAll(_ fd: Int32, _ chunk: UnsafeRawBufferPointer, _ what: String) throws {
    var offset = 0
    while offset < chunk.count {
      let n = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw sysError("write", what)
      }
      offset += n
    }
  }

  /// glibc's `makedev` (a macro Swift cannot import).
  static func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
    let ma = UInt64(major), mi = UInt64(minor)
    return dev_t(((ma & 0xfffff000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffffff00) << 12) | (mi & 0xff))
  }

  static func sysError(_ op: String, _ what: String) -> GarrisonError {
    let e = errno
    return GarrisonError(.system, operation: op, "\(op) failed for `\(what)`: \(String(cString: strerror(e)))", errno: e)
  }
}
