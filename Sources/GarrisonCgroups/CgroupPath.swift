import GarrisonCore

/// A validated cgroup path such as `garrison/<pod>/<container>`: relative paths live under the
/// runtime's own cgroup, absolute ones (`/garrison/...`) under the hierarchy root. Components
/// must be non-empty and may not be `.`, `..` or contain NUL, so a path never escapes its parent.
public struct CgroupPath: Sendable, Hashable, CustomStringConvertible {
  public var isAbsolute: Bool
  public var components: [String]

  public init(_ text: String) throws {
    isAbsolute = text.hasPrefix("/")
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let trimmed = isAbsolute ? Array(parts.dropFirst()) : parts
    for part in trimmed where part.isEmpty || part == "." || part == ".." || part.contains("\0") {
      throw GarrisonError(
        .invalid, operation: "parse cgroup path",
        "cgroup path \"\(text)\" has an empty, \".\" or \"..\" component", field: FieldPath("linux.cgroupsPath"))
    }
    if trimmed.isEmpty {
      throw GarrisonError(
        .invalid, operation: "parse cgroup path", "cgroup path \"\(text)\" is empty",
        field: FieldPath("linux.cgroupsPath"))
    }
    components = trimmed
  }

  /// The components joined with `/`, without a leading slash.
  public var relative: String { components.joined(separator: "/") }
  public var description: String { (isAbsolute ? "/" : "") + relative }
}
