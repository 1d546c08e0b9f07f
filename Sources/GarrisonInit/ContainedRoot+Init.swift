import GarrisonInitProtocol
import GarrisonCore
import GarrisonKernel

/// The init's view of GarrisonKernel's in-root containment: the same resolution, failures as init steps.
extension ContainedRoot {
  /// Opens `path` (`O_PATH`) inside the root, creating missing directories and, when `file` is set, the file.
  func openCreating(_ path: String, file: Bool) throws(InitFailure) -> Int32 {
    do { return try open(creating: path, file: file) } catch { throw InitFailure(error.operation, error.message) }
  }

  /// Opens an existing `path` (`O_PATH`) inside the root; nil if it does not exist.
  func openExisting(_ path: String) throws(InitFailure) -> Int32? {
    do { return try open(existing: path) } catch { throw InitFailure(error.operation, error.message) }
  }
}

/// The `/proc/self/fd/N` path of a descriptor, the only path Garrison mounts onto.
func fdPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }
