#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import Glibc

/// Safe resolution of Localhost profile paths below a profile root: relative paths only, no `..`,
/// and the file actually opened must still lie below the root after symlink resolution.
public enum LocalhostProfilePath {
  /// Syntactic checks: non-empty, relative, no `..` components, no NUL.
  public static func validate(_ path: String, field: FieldPath? = nil) throws {
    func fail(_ why: String) -> GarrisonError {
      GarrisonErrorFactory.invalid("resolve localhost profile", "profile path \"\(path)\" \(why)", field: field)
    }
    if path.isEmpty { throw fail("is empty") }
    if path.hasPrefix("/") { throw fail("must be relative to the profile root") }
    if path.unicodeScalars.contains("\0") { throw fail("contains a NUL byte") }
    if path.split(separator: "/", omittingEmptySubsequences: true).contains("..") {
      throw fail("must not contain '..'")
    }
  }

  /// Reads the file at `path` below `root` through GarrisonKernel's containment (`openat2(RESOLVE_BENEATH)`):
  /// symlinks are followed only while they stay beneath the root (an absolute one is refused), and only a
  /// regular file is read (a FIFO or device is never opened for reading).
  public static func read(_ path: String, under root: String, field: FieldPath? = nil) throws -> Data {
    try validate(path, field: field)
    do {
      let dir = try ContainedDirectory(path: root, operation: "open profile root", followingSymlink: true)
      guard let bytes = try dir.readRegularFile(path, symlinks: .beneath, limit: 16 << 20, operation: "read localhost profile")
      else {
        throw GarrisonError(.notFound, operation: "open", "profile \(path) not found under \(root)", field: field)
      }
      return Data(bytes)
    } catch var e as GarrisonError {
      e.fieldPath = e.fieldPath ?? field
      if e.code == .notFound {
        // A profile this host does not have cannot be enforced here (exit 3), as a missing AppArmor profile;
        // the manifest itself is valid.
        e.code = .unenforceable
        e.message = "Localhost seccomp profile \(path) not found under \(root): it cannot be enforced on this host"
      }
      if e.code == .refused {
        e.code = .invalid
        e.message = "profile \(path) resolves outside the profile root \(root), or is not a regular file: " + e.message
      }
      throw e
    }
  }
}
