import GarrisonCore

/// A name or relative path that came from input (a tar member, a volume, object or namespace name, a subPath, a
/// profile path), checked before any system call sees it.
///
/// Refused: NUL anywhere (a C string would stop there: `"..\0"` passes a Swift `== ".."` test and is `..` to
/// the kernel), a `..` component, a component over `NAME_MAX` (255) bytes and a path over `PATH_MAX - 1` (4095)
/// bytes. `.` and empty components are dropped; a leading `/` is taken relative to the root (as tar and
/// containerd do). This is the one syntactic half of containment; ``ContainedDirectory`` is the other, which
/// opens the result with `openat2` so that the kernel keeps it beneath its root.
public enum ContainedPath {
  /// `NAME_MAX`.
  public static let maxComponentBytes = 255
  /// `PATH_MAX` less the terminating NUL.
  public static let maxPathBytes = 4095

  /// The components of `path`, each a plain name safe to hand to `*at` system calls.
  public static func components(_ path: String, operation: String) throws(GarrisonError) -> [String] {
    let bytes = path.utf8
    if bytes.contains(0) { throw refusal(operation, path, "contains a NUL byte") }
    if bytes.count > maxPathBytes { throw refusal(operation, path, "is longer than \(maxPathBytes) bytes") }
    var out: [String] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." { throw refusal(operation, path, "contains `..`") }
      if part.utf8.count > maxComponentBytes {
        throw refusal(operation, path, "has a component longer than \(maxComponentBytes) bytes")
      }
      out.append(String(part))
    }
    return out
  }

  /// One directory entry name: not empty, not `.` or `..`, no `/` and no NUL, at most 255 bytes.
  @discardableResult
  public static func name(_ name: String, operation: String) throws(GarrisonError) -> String {
    let bytes = name.utf8
    if bytes.contains(0) { throw refusal(operation, name, "contains a NUL byte") }
    if name.isEmpty || name == "." || name == ".." { throw refusal(operation, name, "is not a file name") }
    if bytes.contains(UInt8(ascii: "/")) { throw refusal(operation, name, "contains `/`") }
    if bytes.count > maxComponentBytes { throw refusal(operation, name, "is longer than \(maxComponentBytes) bytes") }
    return name
  }

  /// Refuses a string that reaches a system call (a link target, an xattr name) if it holds a NUL byte.
  public static func noNUL(_ text: String, operation: String, what: String) throws(GarrisonError) {
    if text.utf8.contains(0) { throw refusal(operation, text, "(\(what)) contains a NUL byte") }
  }

  /// `text` with NUL and other control characters escaped (``Quoted``): input echoed in messages.
  public static func printable(_ text: String) -> String { Quoted.escaped(text) }

  static func refusal(_ operation: String, _ path: String, _ why: String) -> GarrisonError {
    GarrisonError(.refused, operation: operation, "`\(printable(path))` \(why); refusing it")
  }
}
