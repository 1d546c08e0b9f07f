import Foundation
import GarrisonCore

/// Reads and writes Codable values as JSON files; writes are atomic (temporary file, fsync, rename).
public enum JSONFile {
  /// Writes `value` to `path` atomically: readers see the old or the new file, never a torn one.
  public static func write<T: Encodable>(_ value: T, to path: String, mode: mode_t = 0o644) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .prettyPrinted]
    enc.dateEncodingStrategy = .custom { date, encoder in
      var c = encoder.singleValueContainer()
      try c.encode(Timestamps.format(date))
    }
    let data = try enc.encode(value)
    try writeAtomically(data, to: path, mode: mode)
  }

  /// Writes bytes atomically with an fsync before the rename.
  public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
    let tmp = path + ".tmp.\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot write \(tmp)", errno: errno) }
    defer { close(fd) }
    try data.withUnsafeBytes { buf in
      var off = 0
      while off < buf.count {
        let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
        if n < 0 {
          if errno == EINTR { continue }
          throw GarrisonError(.system, operation: "write", "cannot write \(tmp)", errno: errno)
        }
        off += n
      }
    }
    // The mode of an existing temporary file is not changed by open(2): set it explicitly.
    guard fchmod(fd, mode) == 0 else { throw GarrisonError(.system, operation: "fchmod", "cannot set mode of \(tmp)", errno: errno) }
    guard fsync(fd) == 0 else { throw GarrisonError(.system, operation: "fsync", "cannot sync \(tmp)", errno: errno) }
    guard rename(tmp, path) == 0 else { throw GarrisonError(.system, operation: "rename", "cannot replace \(path)", errno: errno) }
  }

  /// Reads a JSON file; `nil` when it does not exist.
  public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
    guard let data = FileManager.default.contents(atPath: path) else {
      if FileManager.default.fileExists(atPath: path) {
        throw GarrisonError(.system, operation: "read", "cannot read \(path)")
      }
      return nil
    }
    let dec = JSONDecoder()
    dec.dateDecodingStrategy = .custom { decoder in
      let c = try decoder.singleValueContainer()
      let text = try c.decode(String.self)
      guard let d = Timestamps.parse(text) else {
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(text)")
      }
      return d
    }
    do {
      return try dec.decode(type, from: data)
    } catch {
      throw GarrisonError(.system, operation: "decode", "corrupt state file \(path): \(error)")
    }
  }
}

/// RFC 3339 times with milliseconds (events within one second keep their order and spacing).
public enum Timestamps {
  public static func format(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
  }

  public static func parse(_ text: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: text) { return d }
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text)
  }
}
