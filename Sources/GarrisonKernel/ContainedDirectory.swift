import CGarrisonLinux
import GarrisonCore
import Glibc

/// An open directory beneath which every path from input is resolved, by the kernel, never outside it.
///
/// This is Garrison's one containment primitive for host-side paths: names are checked by ``ContainedPath``
/// (no NUL, no `..`, bounded lengths) and then opened with `openat2` relative to this descriptor with
/// `RESOLVE_BENEATH` or `RESOLVE_IN_ROOT`, and `RESOLVE_NO_MAGICLINKS` always (``Symlinks`` chooses how other
/// symlinks are treated). What is returned is a descriptor, so the caller acts on what was checked, never on a
/// path string re-read later. Creation (`mkdirat`, `openat(O_CREAT|O_EXCL|O_NOFOLLOW)`, `symlinkat`, `mknodat`)
/// happens only on a single checked name inside an already contained directory descriptor.
public final class ContainedDirectory {
  /// How symlinks met while resolving a path are treated.
  public enum Symlinks: Sendable {
    /// Any symlink on the path is refused (`RESOLVE_NO_SYMLINKS`): image extraction, state directories.
    case refuse
    /// Followed while they stay beneath the directory; absolute ones and escapes fail (`RESOLVE_BENEATH`).
    case beneath
    /// Resolved as if the directory were `/`: absolute and `..` targets are clamped to it (`RESOLVE_IN_ROOT`),
    /// as inside a container's root filesystem.
    case inRoot

    var resolve: UInt64 {
      switch self {
      case .refuse: return LinuxConstants.RESOLVE_BENEATH | LinuxConstants.RESOLVE_NO_SYMLINKS | LinuxConstants.RESOLVE_NO_MAGICLINKS
      case .beneath: return LinuxConstants.RESOLVE_BENEATH | LinuxConstants.RESOLVE_NO_MAGICLINKS
      case .inRoot: return LinuxConstants.RESOLVE_IN_ROOT | LinuxConstants.RESOLVE_NO_MAGICLINKS
      }
    }
  }

  /// The directory descriptor (`O_RDONLY|O_DIRECTORY`), closed when this object goes away.
  public let fd: Int32
  /// What the directory is, for messages (its path as the caller knows it).
  public let path: String

  /// Opens a directory the caller trusts (the state root, a layer's staging directory, an operator's profile
  /// root). The last component must not be a symlink unless `followingSymlink` (an operator's configured path).
  public init(path: String, operation: String = "open", followingSymlink: Bool = false) throws(GarrisonError) {
    do {
      fd = try Kernel.open(
        path,
        flags: LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY
          | (followingSymlink ? 0 : LinuxConstants.O_NOFOLLOW))
    } catch {
      throw GarrisonError(
        error == .ENOENT ? .notFound : .system, operation: operation,
        "cannot open directory `\(ContainedPath.printable(path))`", errno: error.rawValue)
    }
    self.path = path
  }

  /// Takes ownership of `fd`, a directory descriptor.
  public init(adopting fd: Int32, path: String) {
    self.fd = fd
    self.path = path
  }

  deinit { Kernel.close(fd) }

  // MARK: - Opening

  /// Opens `relative` (checked by ``ContainedPath/components(_:operation:)``) beneath this directory.
  /// `O_CLOEXEC` is always added. Errors: `.refused` for a path that escapes or crosses a refused symlink,
  /// `.notFound` for ENOENT, `.system` otherwise.
  public func open(_ relative: String, flags: Int32, mode: Int32 = 0, symlinks: Symlinks, operation: String)
    throws(GarrisonError) -> Int32
  {
    try open(
      components: try ContainedPath.components(relative, operation: operation), flags: flags, mode: mode,
      symlinks: symlinks, operation: operation, shown: relative)
  }

  /// Opens already checked components (`[]` is this directory itself).
  public func open(
    components: [String], flags: Int32, mode: Int32 = 0, symlinks: Symlinks, operation: String,
    shown: String? = nil
  ) throws(GarrisonError) -> Int32 {
    let relative = components.isEmpty ? "." : components.joined(separator: "/")
    do {
      return try Kernel.openat2(fd, relative, flags: flags, mode: mode, resolve: symlinks.resolve)
    } catch {
      throw failure(error, operation, shown ?? relative)
    }
  }

  /// The directory at `components`, created (each missing level with `mode`) when `create` is set. By default
  /// symlinks are never followed: a component that is one, or is not a directory, is refused. With `.beneath`,
  /// a symlink is followed while it stays beneath the directory it is found in.
  public func directory(
    _ components: [String], create: Bool, mode: UInt32 = 0o755, symlinks: Symlinks = .refuse,
    operation: String, shown: String? = nil
  ) throws(GarrisonError) -> ContainedDirectory {
    let flags = LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY
    let shownPath = shown ?? components.joined(separator: "/")
    // The common case in one call: the whole directory exists.
    do {
      let whole = try Kernel.openat2(
        fd, components.isEmpty ? "." : components.joined(separator: "/"), flags: flags,
        resolve: symlinks.resolve)
      return ContainedDirectory(adopting: whole, path: join(components))
    } catch  where error == .ENOENT && create {
      // walk below, creating what is missing
    } catch {
      throw failure(error, operation, shownPath)
    }
    var current: Int32
    do { current = try Kernel.openat2(fd, ".", flags: flags, resolve: Symlinks.refuse.resolve) } catch {
      throw failure(error, operation, shownPath)
    }
    for (i, name) in components.enumerated() {
      var next: Int32
      do {
        next = try Kernel.openat2(current, name, flags: flags, resolve: symlinks.resolve)
      } catch  where error == .ENOENT {
        do {
          try Kernel.mkdirat(current, name, mode: mode)
        } catch  where error == .EEXIST {
          // created concurrently; the open below decides what it is
        } catch {
          Kernel.close(current)
          throw GarrisonError(
            .system, operation: operation,
            "cannot create directory `\(ContainedPath.printable(components[0...i].joined(separator: "/")))` for `\(ContainedPath.printable(shownPath))` in \(path)",
            errno: error.rawValue)
        }
        do {
          next = try Kernel.openat2(current, name, flags: flags, resolve: symlinks.resolve)
        } catch {
          Kernel.close(current)
          throw failure(error, operation, shownPath)
        }
      } catch {
        Kernel.close(current)
        throw failure(error, operation, shownPath)
      }
      Kernel.close(current)
      current = next
    }
    return ContainedDirectory(adopting: current, path: join(components))
  }

  /// Reads a regular file beneath this directory, refusing anything else (a FIFO or device is never opened for
  /// reading: `O_NONBLOCK`, then `fstat`) and anything larger than `limit` bytes. nil when it does not exist.
  public func readRegularFile(_ relative: String, symlinks: Symlinks, limit: Int, operation: String)
    throws(GarrisonError) -> [UInt8]?
  {
    let fd: Int32
    do {
      fd = try open(
        relative, flags: LinuxConstants.O_RDONLY | LinuxConstants.O_NONBLOCK | LinuxConstants.O_NOCTTY,
        symlinks: symlinks, operation: operation)
    } catch  where error.code == .notFound {
      return nil
    }
    defer { Kernel.close(fd) }
    return try Self.readRegular(fd: fd, limit: limit, shown: "\(path)/\(relative)", operation: operation)
  }

  /// Reads an open descriptor that must be a regular file of at most `limit` bytes (``FileIO/readRegular(fd:limit:)``).
  public static func readRegular(fd: Int32, limit: Int, shown: String, operation: String) throws(GarrisonError)
    -> [UInt8]
  {
    do { return try FileIO.readRegular(fd: fd, limit: limit) } catch {
      let what = "`\(ContainedPath.printable(shown))`"
      switch error.rawValue {
      case EINVAL: throw GarrisonError(.refused, operation: operation, "\(what) is not a regular file")
      case EFBIG: throw GarrisonError(.refused, operation: operation, "\(what) is larger than \(limit) bytes")
      default: throw GarrisonError(.system, operation: operation, "cannot read \(what)", errno: error.rawValue)
      }
    }
  }

  // MARK: - Entries

  /// The type bits (`S_IFMT`) of `name` in this directory without following a symlink; nil when absent.
  public func type(of name: String) throws(GarrisonError) -> UInt32? {
    var st = stat()
    guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
      if errno == ENOENT { return nil }
      throw GarrisonError(
        .system, operation: "stat", "cannot stat `\(ContainedPath.printable(name))` in \(path)",
        errno: errno)
    }
    return st.st_mode & S_IFMT
  }

  /// The names in this directory (without `.` and `..`).
  public func entries() throws(GarrisonError) -> [String] {
    try Self.entries(of: fd, shown: path)
  }

  /// Removes `name` whatever it is: a file or link is unlinked, a directory is removed with everything below it.
  /// Absent is fine. See ``removeTree(_:)``.
  public func remove(_ name: String) throws(GarrisonError) {
    try ContainedPath.name(name, operation: "remove")
    guard let kind = try type(of: name) else { return }
    if kind == S_IFDIR { try removeTree(name) } else { try unlink(name) }
  }

  /// Removes the directory `name` and everything below it without recursion and without following symlinks,
  /// however deep the tree: a non-empty subdirectory is first renamed up into this directory (as
  /// `.garrison-rm-…`), so every directory is emptied at depth one with two descriptors open. A crash leaves only
  /// `.garrison-rm-…` entries, which ``removeLeftovers()`` deletes. A mount point below stops the removal
  /// (`EXDEV`/`EBUSY`): nothing is deleted across a mount.
  public func removeTree(_ name: String) throws(GarrisonError) {
    try ContainedPath.name(name, operation: "remove")
    var pending = [name]
    var serial = 0
    while let current = pending.last {
      let dir: Int32
      do {
        dir = try Kernel.openat2(
          fd, current, flags: LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY,
          resolve: Symlinks.refuse.resolve)
      } catch  where error == .ENOENT {
        pending.removeLast()
        continue
      } catch {
        throw failure(error, "remove", current)
      }
      defer { Kernel.close(dir) }
      for child in try Self.entries(of: dir, shown: "\(path)/\(current)") {
        if Glibc.unlinkat(dir, child, 0) == 0 || errno == ENOENT { continue }
        guard errno == EISDIR else {
          throw GarrisonError(
            .system, operation: "unlink", "cannot remove `\(ContainedPath.printable(child))` in \(path)/\(current)",
            errno: errno)
        }
        if Glibc.unlinkat(dir, child, AT_REMOVEDIR) == 0 || errno == ENOENT { continue }
        guard errno == ENOTEMPTY else {
          throw GarrisonError(
            .system, operation: "rmdir", "cannot remove `\(ContainedPath.printable(child))` in \(path)/\(current)",
            errno: errno)
        }
        serial += 1
        // The thread id too: several threads of one process (a workload controller deleting pods) may remove
        // trees side by side in the same parent.
        let moved = "\(Self.leftoverPrefix)\(getpid())-\(gr_gettid())-\(serial)-\(UInt32.random(in: 0...UInt32.max))"
        guard Glibc.renameat(dir, child, fd, moved) == 0 else {
          throw GarrisonError(
            .system, operation: "rename", "cannot move `\(ContainedPath.printable(child))` up from \(path)/\(current) to remove it",
            errno: errno)
        }
        pending.insert(moved, at: pending.count - 1)
      }
      guard Glibc.unlinkat(fd, current, AT_REMOVEDIR) == 0 || errno == ENOENT else {
        throw GarrisonError(.system, operation: "rmdir", "cannot remove \(path)/\(ContainedPath.printable(current))", errno: errno)
      }
      pending.removeLast()
    }
  }

  /// Names a crashed ``removeTree(_:)`` leaves behind start with this.
  public static let leftoverPrefix = ".garrison-rm-"

  /// Deletes what an interrupted ``removeTree(_:)`` left in this directory: entries of processes that are gone
  /// (a live process, this one included, may be removing its own right now, from another thread).
  public func removeLeftovers() throws(GarrisonError) {
    for name in try entries() where name.hasPrefix(Self.leftoverPrefix) {
      let owner = name.dropFirst(Self.leftoverPrefix.count).split(separator: "-").first.flatMap { Int32($0) }
      if let owner, owner > 0, owner == getpid() || Glibc.kill(owner, 0) == 0 || errno == EPERM { continue }
      try remove(name)
    }
  }

  /// Creates the symbolic link `name` → `target` in this directory (`symlinkat`, atomic): false when `name` exists
  /// already, whatever it is.
  public func makeLink(_ name: String, to target: String) throws(GarrisonError) -> Bool {
    try ContainedPath.name(name, operation: "symlink")
    do throws(Errno) { try Kernel.symlinkat(target: target, fd, name) } catch {
      if error == .EEXIST { return false }
      throw failure(error, "symlink", name)
    }
    return true
  }

  /// The target of the symbolic link `name` in this directory (`readlinkat`); nil when `name` is absent or not a
  /// symbolic link.
  public func linkTarget(_ name: String) throws(GarrisonError) -> String? {
    try ContainedPath.name(name, operation: "readlink")
    var buffer = [CChar](repeating: 0, count: 4097)
    let n = readlinkat(fd, name, &buffer, 4096)
    if n < 0 {
      let error = Errno.current
      if error == .ENOENT || error == .EINVAL { return nil }
      throw failure(error, "readlink", name)
    }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Unlinks a non-directory `name`; absent is fine.
  public func unlink(_ name: String) throws(GarrisonError) {
    guard Glibc.unlinkat(fd, name, 0) == 0 || errno == ENOENT else {
      throw GarrisonError(.system, operation: "unlink", "cannot remove `\(ContainedPath.printable(name))` in \(path)", errno: errno)
    }
  }

  // MARK: - Helpers

  static func entries(of fd: Int32, shown: String) throws(GarrisonError) -> [String] {
    let copy = Glibc.dup(fd)
    guard copy >= 0, let stream = fdopendir(copy) else {
      if copy >= 0 { Kernel.close(copy) }
      throw GarrisonError(.system, operation: "readdir", "cannot list \(shown)", errno: errno)
    }
    defer { closedir(stream) }
    rewinddir(stream)
    var out: [String] = []
    while true {
      errno = 0
      guard let entry = readdir(stream) else {
        if errno != 0 { throw GarrisonError(.system, operation: "readdir", "cannot list \(shown)", errno: errno) }
        return out
      }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if name != "." && name != ".." { out.append(name) }
    }
  }

  private func join(_ components: [String]) -> String {
    components.isEmpty ? path : path + "/" + components.joined(separator: "/")
  }

  private func failure(_ error: Errno, _ operation: String, _ shown: String) -> GarrisonError {
    let what = "`\(ContainedPath.printable(shown))` in \(path)"
    switch error {
    case .EXDEV, .ELOOP:
      return GarrisonError(
        .refused, operation: operation,
        "\(what) resolves outside it or through a symlink; refusing to follow it", errno: error.rawValue)
    case .ENOTDIR:
      return GarrisonError(
        .refused, operation: operation, "\(what) goes through something that is not a directory",
        errno: error.rawValue)
    case .ENOENT:
      return GarrisonError(.notFound, operation: operation, "\(what) does not exist", errno: error.rawValue)
    default:
      return GarrisonError(.system, operation: operation, "cannot open \(what)", errno: error.rawValue)
    }
  }
}
