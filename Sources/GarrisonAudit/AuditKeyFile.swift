#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore

/// Small file helpers for the CLI: reading an HMAC key, appending an exported checkpoint durably.
public enum AuditKeyFile {
  /// Reads a key file (raw bytes; one trailing newline is dropped). Fewer than 16 bytes is an error.
  public static func read(_ path: String) throws(GarrisonError) -> [UInt8] {
    var key = try AuditIO.readAll(path)
    if key.last == 0x0A { key.removeLast() }
    guard key.count >= 16 else {
      throw GarrisonError(.invalid, operation: "read HMAC key", "\(path): key must have at least 16 bytes")
    }
    return key
  }

  /// Appends `text` to `path` (created 0640) and fsyncs it.
  public static func append(_ text: String, to path: String) throws(GarrisonError) {
    let fd = try AuditIO.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o640)
    defer { close(fd) }
    try AuditIO.writeAll(fd, Array(text.utf8), path: path)
    try AuditIO.fsync(fd, path: path)
  }
}
