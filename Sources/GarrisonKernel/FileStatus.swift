import Glibc

/// The identity and size of a file from `stat(2)`: enough to tell whether a file was replaced or rewritten since it
/// was last read (the metrics exporter re-decodes a pod's state files only then).
public struct FileStatus: Sendable, Equatable {
  /// The device the file is on (`st_dev`); with `inode`, the file's identity on the host.
  public var device: UInt64 = 0
  public var inode: UInt64
  public var size: Int64
  /// Modification time in nanoseconds since the epoch.
  public var modifiedNanoseconds: Int64

  /// `stat(2)` of `path` (symlinks followed).
  public static func of(_ path: String) throws(Errno) -> FileStatus {
    var st = stat()
    if stat(path, &st) != 0 { throw Errno.current }
    return FileStatus(st)
  }

  /// `fstat(2)` of an open descriptor (an `O_PATH` one too).
  public static func of(fd: Int32) throws(Errno) -> FileStatus {
    var st = stat()
    if fstat(fd, &st) != 0 { throw Errno.current }
    return FileStatus(st)
  }

  init(_ st: stat) {
    self.init(
      inode: UInt64(st.st_ino), size: Int64(st.st_size),
      modifiedNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    device = UInt64(st.st_dev)
  }

  public init(inode: UInt64, size: Int64, modifiedNanoseconds: Int64) {
    self.inode = inode
    self.size = size
    self.modifiedNanoseconds = modifiedNanoseconds
  }
}
