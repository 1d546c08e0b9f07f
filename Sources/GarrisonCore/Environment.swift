#if canImport(Glibc)
  import Glibc
#endif

/// Environment variables read with `getenv`, without building `ProcessInfo`'s whole dictionary (this runs on
/// the runtime's start path).
public enum Environment {
  /// The value of `name`, or nil when it is unset or empty.
  public static func value(_ name: String) -> String? {
    guard let raw = getenv(name), raw.pointee != 0 else { return nil }
    return String(cString: raw)
  }
}
