import GarrisonCore

/// Turns a tar member name into path components that stay inside the extraction root.
///
/// A leading `/` is neutralised (the name is taken relative to the root, as tar and containerd do);
/// `.` and empty components are dropped; any `..` component is refused, whatever it would resolve to.
public enum SafePath {
  public static func components(_ path: String, operation: String = "extract") throws -> [String] {
    var out: [String] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        throw GarrisonError(.refused, operation: operation, "tar member `\(path)` contains `..`; refusing to extract it")
      }
      out.append(String(part))
    }
    return out
  }
}
