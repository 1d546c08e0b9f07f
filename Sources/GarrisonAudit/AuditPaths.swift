import GarrisonCore
#if canImport(Glibc)
  import Glibc
#endif

/// Where the audit log lives by default: `$GARRISON_ROOT/audit`, with `GARRISON_ROOT` defaulting to
/// `/var/lib/garrison`.
public enum AuditPaths {
  /// The default state root.
  public static let defaultRoot = "/var/lib/garrison"

  /// The audit directory for an explicit root, else `$GARRISON_ROOT`, else the default root.
  public static func directory(root: String? = nil) -> String {
    if let root { return root + "/audit" }
    if let root = Environment.value("GARRISON_ROOT") { return root + "/audit" }
    return defaultRoot + "/audit"
  }
}
