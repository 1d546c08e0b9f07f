#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// Reads and writes Codable values as JSON files; writes are atomic (`FileIO.replace`: temporary file, fsync,
/// rename).
public enum JSONFile {
  /// Writes `value` to `path` atomically: readers see the old or the new file, never a torn one. With `durable`
  /// (the default) it is fsync'd before the rename; without, it is for a file whose content does not outlive the
  /// processes that read it (a bundle's config.json, like the runtime's own state files).
  public static func write<T: Encodable>(_ value: T, to path: String, mode: mode_t = 0o644, durable: Bool = true) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys, .prettyPrinted]
    enc.dateEncodingStrategy = .custom { date, encoder in
      var c = encoder.singleValueContainer()
      try c.encode(Timestamps.format(date))
    }
    let data = try enc.encode(value)
    try FileIO.replace(path, with: Array(data), mode: mode, durable: durable)
  }

  /// Writes bytes atomically with an fsync before the rename.
  public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
    try FileIO.replace(path, with: Array(data), mode: mode, durable: true)
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
    // Whole milliseconds (as ISO8601DateFormatter's `.withFractionalSeconds` printed them), without Foundation's
    // formatter: `2026-12-07T08:43:54.123Z`.
    let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
    let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
    let text = AuditTime(seconds: s, nanoseconds: Int32(ms - s * 1000) * 1_000_000).description
    return String(text.prefix(23)) + "Z"
  }

  /// Parses RFC 3339 with a time part (`Z` or an offset, any fractional digits) through `AuditTime`, without ICU:
  /// the metrics exporter decodes every pod's status with it and stays free of ICU's data and formatters.
  public static func parse(_ text: String) -> Date? {
    guard text.utf8.count > 10, let t = try? AuditTime(rfc3339: text) else { return nil }
    // Milliseconds first, as ICU's parser computes a date: a value written with milliseconds reads back equal.
    return Date(timeIntervalSince1970: (Double(t.seconds) * 1000 + Double(t.nanoseconds) / 1e6) / 1000)
  }
}
