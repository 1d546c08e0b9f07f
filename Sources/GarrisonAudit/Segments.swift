import GarrisonCore

/// Naming and listing of the segment files of an audit directory:
/// `segment-00000001.jsonl`, `segment-00000002.jsonl`, ... and the lock file `audit.lock` (beside them, not
/// segments: `write-statistics`, ``AuditWriteStatistics``).
public enum Segments {
  /// The lock file all writers `flock` exclusively around read-head/append/fsync.
  public static let lockName = "audit.lock"

  /// The file name of segment `index` (1-based).
  public static func name(_ index: Int) -> String {
    let digits = String(index)
    return "segment-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".jsonl"
  }

  /// The segment index of a file name, or nil when the name is not a segment.
  public static func index(of name: String) -> Int? {
    guard name.hasPrefix("segment-"), name.hasSuffix(".jsonl") else { return nil }
    let mid = name.dropFirst(8).dropLast(6)
    guard mid.count >= 8, mid.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(mid), n > 0 else { return nil }
    return name == Segments.name(n) ? n : nil
  }

  /// The segment indexes present in `directory`, ascending.
  public static func list(_ directory: String) throws(GarrisonError) -> [Int] {
    try AuditIO.list(directory).compactMap(index(of:)).sorted()
  }

  /// The full path of segment `index`.
  public static func path(_ directory: String, _ index: Int) -> String { directory + "/" + name(index) }
}
