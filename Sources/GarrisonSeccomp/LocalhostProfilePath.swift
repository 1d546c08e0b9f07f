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

  /// Reads the file at `path` below `root`, refusing anything whose real location is outside `root`
  /// (symlinks are followed only while they stay inside) or that is not a regular file.
  public static func read(_ path: String, under root: String, field: FieldPath? = nil) throws -> Data {
    try validate(path, field: field)
    guard let realRoot = realPath(root) else {
      throw GarrisonError(
        .notFound, operation: "realpath", "profile root \(root) does not exist", field: field, errno: errno)
    }
    let candidate = realRoot + "/" + path
    guard let real = realPath(candidate) else {
      throw GarrisonError(
        .notFound, operation: "realpath", "profile \(path) not found under \(realRoot)", field: field, errno: errno)
    }
    guard real.hasPrefix(realRoot + "/") else {
      throw GarrisonErrorFactory.invalid(
        "resolve localhost profile", "profile \(path) resolves to \(real), outside the profile root \(realRoot)",
        field: field)
    }
    let fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else {
      throw GarrisonError(.system, operation: "open", "cannot open profile \(real)", field: field, errno: errno)
    }
    defer { close(fd) }
    // Re-check what was opened: the path could have been swapped between realpath and open.
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
      throw GarrisonErrorFactory.invalid("resolve localhost profile", "profile \(real) is not a regular file", field: field)
    }
    guard let opened = realPath("/proc/self/fd/\(fd)"), opened.hasPrefix(realRoot + "/") else {
      throw GarrisonErrorFactory.invalid(
        "resolve localhost profile", "profile \(path) moved outside the profile root while opening", field: field)
    }
    do { return Data(try FileIO.readAll(fd: fd)) } catch {
      throw GarrisonError(.system, operation: "read", "cannot read profile \(real)", field: field, errno: error.rawValue)
    }
  }

  private static func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }
}
