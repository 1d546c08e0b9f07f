import Glibc

/// An inotify instance (non-blocking, close-on-exec): watches on directories, and the names of the entries whose
/// events are pending. What a process that must react to another process's state files (a workload controller
/// to its pods' `status.json`) waits on instead of polling them.
public final class FileEvents {
  /// The inotify descriptor (for `poll`: readable when events are pending).
  public let fd: Int32
  private var watches: [String: Int32] = [:]
  private var paths: [Int32: String] = [:]

  /// Entries created, removed, renamed into or out of, or closed after writing (an atomic replace is a rename).
  public static let entryChanges: UInt32 = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE)

  /// The corresponding system call is `inotify_init1(IN_NONBLOCK | IN_CLOEXEC)`.
  public init() throws(Errno) {
    fd = try check { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
  }

  deinit { Glibc.close(fd) }

  /// The corresponding system call is `inotify_add_watch` on the directory `path` (symlinks not followed,
  /// directories only). Watching a watched path again changes nothing.
  public func watch(_ path: String, mask: UInt32 = FileEvents.entryChanges) throws(Errno) {
    try cPath(path)
    if watches[path] != nil { return }
    let wd = try check { inotify_add_watch(fd, path, mask | UInt32(IN_ONLYDIR | IN_DONT_FOLLOW)) }
    watches[path] = wd
    paths[wd] = path
  }

  /// The corresponding system call is `inotify_rm_watch` for every watched path not in `keep`.
  public func unwatch(except keep: Set<String>) {
    for (path, wd) in watches where !keep.contains(path) {
      _ = inotify_rm_watch(fd, wd)
      watches[path] = nil
      paths[wd] = nil
    }
  }

  /// The watched directories.
  public var watched: Set<String> { Set(watches.keys) }

  /// Reads every pending event (never blocks): `(directory, entry name)` pairs; the name is empty for an
  /// event on the directory itself. A directory that was removed loses its watch.
  public func drain() -> [(directory: String, name: String)] {
    var out: [(String, String)] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      var offset = 0
      let header = MemoryLayout<inotify_event>.size
      while offset + header <= n {
        let (wd, mask, length) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
          let e = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
          return (e.wd, e.mask, Int(e.len))
        }
        let nameBytes = buffer[(offset + header)..<min(n, offset + header + length)].prefix { $0 != 0 }
        let name = String(decoding: nameBytes, as: UTF8.self)
        if let dir = paths[wd] {
          out.append((dir, name))
          if mask & UInt32(IN_IGNORED) != 0 {
            paths[wd] = nil
            watches[dir] = nil
          }
        }
        offset += header + length
      }
    }
    return out
  }
}
