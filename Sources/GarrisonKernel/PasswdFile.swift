import Glibc

/// Home directories looked up in an `/etc/passwd` file read directly, not through NSS: garrison-init and
/// garrison-oci are static executables, and static glibc's `getpwnam` would dlopen the host's NSS modules.
public enum PasswdFile {
  /// The home directory (field 6) of the first entry whose name or uid matches, if it is absolute.
  public static func home(_ key: Key, path: String = "/etc/passwd") -> String? {
    // The container's own file: a FIFO or device there must not hang or feed the lookup.
    guard let bytes = try? FileIO.readRegular(path, limit: 16 << 20) else { return nil }
    return home(key, text: String(decoding: bytes, as: UTF8.self))
  }

  /// `home(_:path:)` over the text of a passwd file.
  public static func home(_ key: Key, text: String) -> String? {
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: ":", omittingEmptySubsequences: false)
      guard fields.count >= 6, fields[5].hasPrefix("/") else { continue }
      switch key {
      case .name(let name) where fields[0] == name: return String(fields[5])
      case .uid(let uid) where UInt32(fields[2]) == uid: return String(fields[5])
      default: continue
      }
    }
    return nil
  }

  /// Which entry to look for.
  public enum Key: Sendable {
    case name(String)
    case uid(UInt32)
  }
}
