import Foundation

/// Where the executables built with the running tests are: the directory of the test bundle itself
/// (`.build/<triple>/<configuration>`), so `swift test -c release` uses the release binaries, never stale debug ones.
public enum BuiltProducts {
  /// The build directory holding the test bundle and the package's executables.
  public static let directory: String = {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    // The bundle is an executable in the build directory; on other layouts walk up to the first with `garrison`.
    for _ in 0..<4 {
      if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("garrison").path) { return dir.path }
      dir = dir.deletingLastPathComponent()
    }
    return exe.deletingLastPathComponent().path
  }()

  /// The path of the built executable `name` (it may not exist: see ``isBuilt(_:)``).
  public static func path(_ name: String) -> String { directory + "/" + name }

  /// Whether the executable `name` was built.
  public static func isBuilt(_ name: String) -> Bool { FileManager.default.isExecutableFile(atPath: path(name)) }

  /// The package's root directory (from this file's path).
  public static let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
}
