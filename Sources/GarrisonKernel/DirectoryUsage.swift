import Glibc

/// `du`-style disk usage of a directory tree: allocated blocks (`st_blocks × 512`) of every entry, symlinks not
/// followed, other file systems not entered, a hard-linked inode counted once. The tree may be a container's writable
/// layer (hostile), so the walk is bounded: at most `maxEntries` entries and `maxDepth` levels; `truncated` says a
/// bound was hit (the bytes are then a lower bound).
public enum DirectoryUsage {
  public struct Result: Sendable, Equatable {
    public var bytes: UInt64
    public var inodes: UInt64
    public var truncated: Bool
  }

  /// Walks `path` with `openat`/`fstatat(AT_SYMLINK_NOFOLLOW)`/`getdents` (through `fdopendir`).
  public static func measure(_ path: String, maxEntries: UInt64 = 1_000_000, maxDepth: Int = 128) throws(Errno) -> Result {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd < 0 { throw Errno.current }
    var top = stat()
    if fstat(fd, &top) != 0 {
      let e = Errno.current
      close(fd)
      throw e
    }
    var result = Result(bytes: UInt64(top.st_blocks) * 512, inodes: 1, truncated: false)
    var seen: Set<UInt64> = []
    walk(fd, device: top.st_dev, depth: 0, maxDepth: maxDepth, maxEntries: maxEntries, seen: &seen, into: &result)
    return result
  }

  /// Sums the entries of the open directory `fd` (consumed) and recurses into subdirectories.
  private static func walk(
    _ fd: Int32, device: dev_t, depth: Int, maxDepth: Int, maxEntries: UInt64,
    seen: inout Set<UInt64>, into result: inout Result
  ) {
    guard let dir = fdopendir(fd) else {
      close(fd)
      return
    }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
      let isDot = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        raw[0] == 0x2E && (raw[1] == 0 || (raw[1] == 0x2E && raw[2] == 0))
      }
      if isDot { continue }
      if result.inodes >= maxEntries {
        result.truncated = true
        return
      }
      var st = stat()
      let ok = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        fstatat(dirfd(dir), raw.bindMemory(to: CChar.self).baseAddress!, &st, AT_SYMLINK_NOFOLLOW) == 0
      }
      guard ok, st.st_dev == device else { continue }  // gone meanwhile, or a mount point
      if st.st_nlink > 1 && (st.st_mode & S_IFMT) != S_IFDIR {
        if !seen.insert(UInt64(st.st_ino)).inserted { continue }
      }
      result.inodes += 1
      result.bytes += UInt64(st.st_blocks) * 512
      guard (st.st_mode & S_IFMT) == S_IFDIR else { continue }
      if depth + 1 >= maxDepth {
        result.truncated = true
        continue
      }
      let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        openat(dirfd(dir), raw.bindMemory(to: CChar.self).baseAddress!, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      }
      if child >= 0 {
        walk(child, device: device, depth: depth + 1, maxDepth: maxDepth, maxEntries: maxEntries, seen: &seen, into: &result)
      }
    }
  }
}
