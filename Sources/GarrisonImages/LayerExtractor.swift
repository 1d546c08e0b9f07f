import CXattr
import Foundation
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

/// Extracts one layer tar into a directory without ever leaving it.
///
/// Every name goes through GarrisonKernel's containment: ``ContainedPath`` refuses NUL bytes, `..`, over-long
/// components and paths before any system call, and parent directories are opened by ``ContainedDirectory``
/// (`openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)`), so no symlink is followed while writing: a member whose
/// parent is a symlink (e.g. `a -> /etc` then `a/passwd`) is refused. Files are created with
/// `O_EXCL|O_NOFOLLOW` after removing what was there, so an earlier link is never written through. Symlinks and
/// hard links are stored as links (symlink targets verbatim; hard-link targets must name a member inside the
/// layer). OCI whiteouts become overlayfs whiteouts: `.wh.NAME` → character device 0/0 `NAME`;
/// `.wh..wh..opq` → `trusted.overlay.opaque=y` on the directory.
/// Device nodes are created only when running as root (skipped otherwise); ownership is preserved only as root.
/// Only `user.*` and `security.capability` extended attributes are applied (never `trusted.*`, which would let
/// a layer steer overlayfs). Trees are removed without recursion (``ContainedDirectory/removeTree(_:)``).
public final class LayerExtractor {
  /// What an extraction did.
  public struct Summary: Sendable, Equatable {
    public var entries = 0
    public var whiteouts = 0
    public var opaqueDirectories = 0
    public var skippedDevices = 0
  }

  private let root: ContainedDirectory
  private let isRoot: Bool
  private var deferredDirectories: [(components: [String], entry: TarEntry)] = []
  public private(set) var summary = Summary()

  /// `directory` must exist and be empty (or hold a previous extraction to overlay onto).
  public init(directory: String, asRoot: Bool = geteuid() == 0) throws {
    root = try ContainedDirectory(path: directory, operation: "extract")
    isRoot = asRoot
  }

  /// Extracts every member of `reader`.
  public func extract(_ reader: TarReader) throws {
    while let entry = try reader.next() {
      try extract(entry, reader: reader)
    }
    try applyDeferredDirectoryMetadata()
  }

  // MARK: - Members

  private func extract(_ entry: TarEntry, reader: TarReader) throws {
    let parts = try ContainedPath.components(entry.path, operation: "extract")
    guard let name = parts.last else { return }  // the layer root itself: its metadata is not taken
    summary.entries += 1
    let parent = try directory(Array(parts.dropLast()), create: true, member: entry.path)
    let dir = parent.fd

    if name == ".wh..wh..opq" {
      try requireRoot(for: "opaque directory `\(entry.path)`")
      let rc = "y".withCString { fsetxattr(dir, "trusted.overlay.opaque", $0, 1, 0) }
      guard rc == 0 else { throw Self.sysError("fsetxattr trusted.overlay.opaque", entry.path) }
      summary.opaqueDirectories += 1
      return
    }
    if name.hasPrefix(".wh..wh.") {
      throw GarrisonError(.refused, operation: "extract", "unsupported whiteout metadata member `\(ContainedPath.printable(entry.path))`")
    }
    if name.hasPrefix(".wh.") {
      let hidden = String(name.dropFirst(4))
      guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
        throw GarrisonError(.refused, operation: "extract", "malformed whiteout `\(ContainedPath.printable(entry.path))`")
      }
      try requireRoot(for: "whiteout `\(entry.path)`")
      try parent.remove(hidden)
      guard mknodat(dir, hidden, S_IFCHR | 0o000, 0) == 0 else { throw Self.sysError("mknod whiteout", entry.path) }
      summary.whiteouts += 1
      return
    }

    switch entry.kind {
    case .directory:
      if try parent.type(of: name) != S_IFDIR { try parent.remove(name) }
      if mkdirat(dir, name, 0o700) != 0 && errno != EEXIST { throw Self.sysError("mkdir", entry.path) }
      deferredDirectories.append((parts, entry))
    case .regular:
      try parent.remove(name)
      let fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw Self.sysError("create", entry.path) }
      defer { _ = close(fd) }
      try reader.readData { chunk in try Self.writeAll(fd, chunk, entry.path) }
      try applyMetadata(fd: fd, entry)
    case .symbolicLink:
      try ContainedPath.noNUL(entry.linkName, operation: "extract", what: "symlink target of `\(ContainedPath.printable(entry.path))`")
      try parent.remove(name)
      guard symlinkat(entry.linkName, dir, name) == 0 else { throw Self.sysError("symlink", entry.path) }
      try applyLinkMetadata(dir, name, entry)
    case .hardLink:
      let target = try ContainedPath.components(entry.linkName, operation: "extract")
      guard let targetName = target.last else {
        throw GarrisonError(.refused, operation: "extract", "hard link `\(ContainedPath.printable(entry.path))` to the layer root")
      }
      let targetParent = try directory(Array(target.dropLast()), create: false, member: entry.linkName)
      if target == parts { return }  // a link to itself: nothing to do
      try parent.remove(name)
      // flags 0: link the target entry itself, never what a symlink target points to.
      guard linkat(targetParent.fd, targetName, dir, name, 0) == 0 else {
        throw Self.sysError("link to `\(ContainedPath.printable(entry.linkName))`", entry.path)
      }
    case .characterDevice, .blockDevice:
      guard isRoot else {
        summary.skippedDevices += 1
        return
      }
      try parent.remove(name)
      let type = entry.kind == .characterDevice ? S_IFCHR : S_IFBLK
      guard mknodat(dir, name, type | (entry.mode & 0o777), Self.makedev(entry.deviceMajor, entry.deviceMinor)) == 0
      else { throw Self.sysError("mknod", entry.path) }
      try applyLinkMetadata(dir, name, entry, chmod: true)
    case .fifo:
      try parent.remove(name)
      guard mknodat(dir, name, S_IFIFO | (entry.mode & 0o777), 0) == 0 else { throw Self.sysError("mkfifo", entry.path) }
      try applyLinkMetadata(dir, name, entry, chmod: true)
    }
  }

  /// The directory `parts` below the root (missing levels created 0755 when asked), never through a symlink.
  private func directory(_ parts: [String], create: Bool, member: String) throws -> ContainedDirectory {
    try root.directory(parts, create: create, mode: 0o755, operation: "extract", shown: member)
  }

  // MARK: - Metadata

  private func applyMetadata(fd: Int32, _ entry: TarEntry) throws {
    if isRoot {
      guard fchown(fd, uid_t(entry.uid), gid_t(entry.gid)) == 0 else { throw Self.sysError("fchown", entry.path) }
      for (name, value) in entry.xattrs where name == "security.capability" || name.hasPrefix("user.") {
        try ContainedPath.noNUL(name, operation: "extract", what: "extended attribute name")
        let rc = value.withUnsafeBytes { fsetxattr(fd, name, $0.baseAddress, $0.count, 0) }
        guard rc == 0 else { throw Self.sysError("fsetxattr \(name)", entry.path) }
      }
    }
    // After chown, which clears setuid/setgid bits.
    guard fchmod(fd, mode_t(entry.mode & 0o7777)) == 0 else { throw Self.sysError("fchmod", entry.path) }
    var times = [
      timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0),
      timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0),
    ]
    guard futimens(fd, &times) == 0 else { throw Self.sysError("futimens", entry.path) }
  }

  private func applyLinkMetadata(_ parent: Int32, _ name: String, _ entry: TarEntry, chmod: Bool = false) throws {
    if isRoot, fchownat(parent, name, uid_t(entry.uid), gid_t(entry.gid), AT_SYMLINK_NOFOLLOW) != 0 {
      throw Self.sysError("lchown", entry.path)
    }
    if chmod, fchmodat(parent, name, mode_t(entry.mode & 0o777), 0) != 0 { throw Self.sysError("chmod", entry.path) }
    var times = [
      timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0),
      timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0),
    ]
    guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw Self.sysError("utimensat", entry.path) }
  }

  /// Directory modes and times are set last (deepest first) so that later members can still be written into them.
  private func applyDeferredDirectoryMetadata() throws {
    for (parts, entry) in deferredDirectories.reversed() {
      let dir: ContainedDirectory
      do {
        dir = try directory(parts, create: false, member: entry.path)
      } catch let e as GarrisonError where e.code == .notFound || e.code == .refused {
        continue  // a later member replaced or removed it (a file, a symlink, a whiteout): nothing to apply to
      }
      try applyMetadata(fd: dir.fd, entry)
    }
    deferredDirectories.removeAll()
  }

  private func requireRoot(for what: String) throws {
    guard isRoot else {
      throw GarrisonError(
        .unenforceable, operation: "extract", "cannot represent \(ContainedPath.printable(what)) for overlayfs without root")
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
    return GarrisonError(
      .system, operation: op, "\(op) failed for `\(ContainedPath.printable(what))`: \(String(cString: strerror(e)))", errno: e)
  }
}
