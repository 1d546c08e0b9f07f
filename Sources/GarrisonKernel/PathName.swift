import GarrisonCore
import Glibc

/// String path operations with the semantics of Foundation's `NSString` path methods on Linux
/// (swift-corelibs-foundation), without linking Foundation: garrison-oci starts once per container
/// operation, and Foundation brings CoreFoundation, ICU and their start-up initialisers with it.
public enum PathName {
  /// `NSString.appendingPathComponent`: `component` after `path`, with one `/` between them.
  public static func join(_ path: String, _ component: String) -> String {
    if component.isEmpty { return path }
    if path.isEmpty { return component }
    if path.hasSuffix("/") { return path + component }
    return path + "/" + component
  }

  /// `NSString.lastPathComponent`.
  public static func lastComponent(_ path: String) -> String {
    let fixed = fixingSlashes(path)
    if fixed.utf16.count <= 1 { return fixed }
    return String(fixed[startOfLastComponent(fixed)...])
  }

  /// `NSString.deletingLastPathComponent`.
  public static func deletingLastComponent(_ path: String) -> String {
    let fixed = fixingSlashes(path)
    if fixed == "/" || fixed.isEmpty { return fixed }
    let start = startOfLastComponent(fixed)
    if start == fixed.startIndex { return "" }  // relative path, single component
    if start == fixed.index(after: fixed.startIndex) { return "/" }  // absolute path, single component
    return String(fixed[..<fixed.index(before: start)])
  }

  /// `NSString.standardizingPath`: expands a leading `~`, drops `.` and empty components, removes `..`
  /// lexically (absolute paths only), resolves symbolic links component by component, then strips a
  /// `/private` or `/var/automount` prefix when the path without it exists.
  public static func standardized(_ path: String) -> String {
    var resolved = resolvingSymlinks(expandingTilde(path))
    resolved = removingPrefixIfExists(resolved, "/var/automount") ?? resolved
    return resolved
  }

  /// Whether `path` exists (`stat`, following links), like `FileManager.fileExists(atPath:)`.
  public static func exists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
  }

  // MARK: - NSString internals

  static func fixingSlashes(_ path: String) -> String {
    if path == "/" { return path }
    var result = ""
    result.reserveCapacity(path.utf8.count)
    var previousSlash = false
    for c in path {
      if c == "/" {
        if previousSlash { continue }
        previousSlash = true
      } else {
        previousSlash = false
      }
      result.append(c)
    }
    if result.hasSuffix("/") { result.removeLast() }
    return result
  }

  /// Index of the first character of the last component (the path must not end in `/`).
  static func startOfLastComponent(_ path: String) -> String.Index {
    var i = path.endIndex
    while i > path.startIndex {
      let previous = path.index(before: i)
      if path[previous] == "/" { break }
      i = previous
    }
    return i
  }

  /// `NSString.pathComponents`: a leading `/` is a component of its own, as is a trailing one.
  static func components(_ path: String) -> [String] {
    guard !path.isEmpty else { return [] }
    var result: [String] = []
    if path.hasPrefix("/") { result.append("/") }
    result += path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    if path.hasSuffix("/") && path.utf8.count > 1 { result.append("/") }
    return result
  }

  static func expandingTilde(_ path: String) -> String {
    guard path.hasPrefix("~") else { return path }
    let end = path.firstIndex(of: "/") ?? path.endIndex
    let user = String(path[path.index(after: path.startIndex)..<end])
    guard let home = homeDirectory(user: user.isEmpty ? nil : user) else {
      return path.hasSuffix("/") && path.utf8.count > 1 ? String(path.dropLast()) : path
    }
    var result = home + path[end...]
    if result.hasSuffix("/") && result.utf8.count > 1 { result.removeLast() }
    return result
  }

  static func homeDirectory(user: String?) -> String? {
    if user == nil, let home = Environment.value("HOME") { return home }
    return PasswdFile.home(user.map { .name($0) } ?? .uid(geteuid()))
  }

  static func resolvingSymlinks(_ path: String) -> String {
    var parts = components(path)
    guard !parts.isEmpty else { return path }
    if parts.count > 1 && parts.last == "/" { parts.removeLast() }
    let absolute = path.hasPrefix("/") || path.hasPrefix("~")
    var resolved = parts.removeFirst()
    for part in parts {
      switch part {
      case "", ".":
        break
      case ".." where absolute:
        resolved = deletingLastComponent(resolved)
      default:
        resolved = join(resolved, part)
        if let destination = symlinkDestination(resolved) { resolved = destination }
      }
    }
    return removingPrefixIfExists(resolved, "/private") ?? resolved
  }

  /// Foundation's `_tryToResolveTrailingSymlinkInPath`: the link at `path` is read, and further links are read
  /// from the destination string as it stands (so a relative one is taken relative to the working directory);
  /// the link is resolved only if that final destination exists, again as the string names it. A relative
  /// destination is then taken relative to the link's directory, and the result made canonical (`realpath`,
  /// else normalised lexically). nil means `path` stays as it is.
  static func symlinkDestination(_ path: String) -> String? {
    guard var destination = try? Kernel.readlink(path) else { return nil }
    var resolved = false
    for _ in 0..<32 {
      guard let next = try? Kernel.readlink(destination) else {
        resolved = true
        break
      }
      destination = next
    }
    guard resolved, exists(destination) else { return nil }
    let target = destination.hasPrefix("/") ? destination : join(deletingLastComponent(path), destination)
    return realPath(target) ?? lexicallyNormalized(target)
  }

  /// `realpath(3)`: the canonical absolute path of an existing file (every symlink resolved), or nil.
  public static func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }

  /// An absolute path without `.`, `..` (clamped at `/`), repeated or trailing slashes.
  static func lexicallyNormalized(_ path: String) -> String {
    guard path.hasPrefix("/") else { return path }
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..": if !parts.isEmpty { parts.removeLast() }
      default: parts.append(part)
      }
    }
    return "/" + parts.joined(separator: "/")
  }

  static func removingPrefixIfExists(_ path: String, _ prefix: String) -> String? {
    guard path != prefix, path.hasPrefix(prefix) else { return nil }
    let rest = String(path.dropFirst(prefix.count))
    return exists(rest) ? rest : nil
  }
}

/// Writes to standard error, ignoring failures (diagnostics must not turn into a different error).
public enum StandardError {
  public static func write(_ text: String) {
    try? FileIO.writeAll(fd: 2, Array(text.utf8))
  }
}
