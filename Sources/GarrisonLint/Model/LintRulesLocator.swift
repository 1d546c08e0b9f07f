import GarrisonCore

/// Finds the `Policies/lint` directory that holds the rule metadata.
///
/// Order: an explicit directory (`--policies`), `$GARRISON_POLICIES/lint`, then `Policies/lint` in the
/// executable's directory or any parent (the build tree), then `/usr/share/garrison/Policies/lint`,
/// then upwards from the working directory.
public enum LintRulesLocator {
  /// The directory, or an error naming every place that was tried (fail closed: no built-in fallback).
  public static func lintDirectory(explicit: String? = nil, environment: [String: String]) throws -> String {
    if let explicit { return try checked(explicit) }
    if let env = environment["GARRISON_POLICIES"], !env.isEmpty { return try checked(env + "/lint") }
    var tried: [String] = []
    if let exe = FileSystem.executablePath(),
      let found = FileSystem.findUpwards("Policies/lint", from: FileSystem.parent(exe))
    {
      return found
    }
    tried.append("Policies/lint above the executable")
    let system = "/usr/share/garrison/Policies/lint"
    if FileSystem.isDirectory(system) { return system }
    tried.append(system)
    if let cwd = try? FileSystem.currentDirectory(), let found = FileSystem.findUpwards("Policies/lint", from: cwd) {
      return found
    }
    tried.append("Policies/lint above the working directory")
    throw GarrisonError(
      .notFound, operation: "find lint rules",
      "cannot find the lint rule metadata (tried \(tried.joined(separator: ", "))); set GARRISON_POLICIES or --policies")
  }

  private static func checked(_ dir: String) throws -> String {
    guard FileSystem.isDirectory(dir) else {
      throw GarrisonError(.notFound, operation: "find lint rules", "\(dir) is not a directory")
    }
    return dir
  }
}
