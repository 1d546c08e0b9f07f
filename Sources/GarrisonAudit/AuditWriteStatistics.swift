#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore

/// What every process appending to one audit directory has spent on it: commits, failed commits, and the fsync
/// latency histogram (``LatencyHistogram``'s buckets), kept in the small file ``fileName`` beside the segments so
/// that another process (the metrics exporter) can read them. Each commit updates the file under the log's
/// exclusive lock, so concurrent appenders never lose an update; the file is not fsync'd (a crash may lose the last
/// updates: it is a statistic, not part of the chain) and a failure to update it never fails an append.
///
/// Format: one line of fixed-width decimal fields, `garrison-audit-write-statistics 1 COMMITS ERRORS COUNT SUM_NS
/// BUCKET…` (one bucket per bound plus the overflow), so every update rewrites the same bytes in place.
public struct AuditWriteStatistics: Sendable, Equatable {
  public static let fileName = "write-statistics"
  static let magic = "garrison-audit-write-statistics 1"
  static let width = 20

  /// Commits (one write and one fsync each) that reached the disk.
  public var commits: UInt64 = 0
  /// Commits whose write or fsync failed.
  public var errors: UInt64 = 0
  /// fsyncs timed, and their total in nanoseconds.
  public var fsyncCount: UInt64 = 0
  public var fsyncSumNanoseconds: UInt64 = 0
  /// fsyncs per bucket of ``LatencyHistogram/bounds`` (not cumulative); the last entry is above every bound.
  public var fsyncBuckets = [UInt64](repeating: 0, count: LatencyHistogram.bounds.count + 1)

  public init() {}

  /// Counts one fsync of `nanoseconds`.
  public mutating func recordFsync(nanoseconds: UInt64) {
    let seconds = Double(nanoseconds) / 1e9
    let i = LatencyHistogram.bounds.firstIndex { seconds <= $0 } ?? LatencyHistogram.bounds.count
    fsyncBuckets[i] &+= 1
    fsyncCount &+= 1
    fsyncSumNanoseconds &+= nanoseconds
  }

  /// The file's bytes.
  public func encoded() -> [UInt8] {
    var out = Array(Self.magic.utf8)
    out.reserveCapacity(out.count + (4 + fsyncBuckets.count) * (Self.width + 1) + 1)
    func field(_ v: UInt64) {
      out.append(UInt8(ascii: " "))
      out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, Self.width - JSONValue.decimalCount(v))))
      JSONValue.writeDecimal(v, into: &out)
    }
    for v in [commits, errors, fsyncCount, fsyncSumNanoseconds] { field(v) }
    for v in fsyncBuckets { field(v) }
    out.append(0x0A)
    return out
  }

  /// Parses the file's bytes; nil when they are not a complete, consistent record (a torn or foreign file: the
  /// bucket counts must add up to the fsync count).
  public init?(decoding bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard text.hasPrefix(Self.magic + " "), text.hasSuffix("\n") else { return nil }
    let fields = text.dropFirst(Self.magic.count).split(separator: " ").map { UInt64($0.filter { $0 != "\n" }) }
    guard fields.count == 4 + LatencyHistogram.bounds.count + 1, fields.allSatisfy({ $0 != nil }) else { return nil }
    let v = fields.map { $0! }
    commits = v[0]
    errors = v[1]
    fsyncCount = v[2]
    fsyncSumNanoseconds = v[3]
    fsyncBuckets = Array(v[4...])
    guard fsyncBuckets.reduce(0, &+) == fsyncCount else { return nil }
  }

  /// The statistics of the log in `directory`; nil when no process has written them yet. Read without the log's
  /// lock (the exporter never delays appenders): a read that races an update is detected by the consistency check
  /// and retried.
  public static func read(directory: String) throws(GarrisonError) -> AuditWriteStatistics? {
    let path = directory + "/" + fileName
    guard AuditIO.exists(path) else { return nil }
    for _ in 0..<5 {
      if let s = AuditWriteStatistics(decoding: try AuditIO.readAll(path)) { return s }
    }
    throw GarrisonError(.invalid, operation: "read audit statistics", "\(path) is not a statistics record")
  }
}

/// The appender's side of ``AuditWriteStatistics``: the file held open, updated in place. Every call happens under
/// the log's exclusive lock.
final class AuditWriteStatisticsFile {
  private let path: String
  private var fd: Int32 = -1
  /// What this process wrote last: when the file still holds it, no other process has written since and it need
  /// not be decoded again (one commit after another in a busy writer).
  private var written: (bytes: [UInt8], statistics: AuditWriteStatistics)?

  init(directory: String) { path = directory + "/" + AuditWriteStatistics.fileName }

  deinit { if fd >= 0 { close(fd) } }

  /// Reads, changes and rewrites the record; any failure is ignored (the append it describes already succeeded or
  /// failed on its own).
  func update(_ change: (inout AuditWriteStatistics) -> Void) {
    do throws(GarrisonError) {
      if fd < 0 { fd = try AuditIO.open(path, O_RDWR | O_CREAT, 0o640) }
      let current = try AuditIO.pread(fd, count: 4096, offset: 0, path: path)
      var s =
        written.flatMap { $0.bytes == current ? $0.statistics : nil } ?? AuditWriteStatistics(decoding: current)
        ?? AuditWriteStatistics()
      change(&s)
      let bytes = s.encoded()
      written = nil
      try AuditIO.pwriteAll(fd, bytes, offset: 0, path: path)
      written = (bytes, s)
      if current.count > bytes.count { try AuditIO.truncate(fd, to: Int64(bytes.count), path: path) }
    } catch {
      return
    }
  }
}
