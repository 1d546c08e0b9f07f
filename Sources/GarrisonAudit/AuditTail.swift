#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore

/// Follows an audit directory incrementally: each ``poll(_:)`` reads only the bytes appended since the last one
/// (by segment and offset), so a long-running reader (the metrics exporter) never re-reads whole logs. Records are
/// handed over oldest first; an incomplete final line (a write in flight) is left for the next poll. A damaged
/// frame is skipped to the next line and counted in ``damagedLines`` rather than stopping the reader for good.
public struct AuditTail: Sendable {
  public let directory: String
  /// The segment being followed and the offset of its first unread byte.
  public private(set) var segment: Int?
  public private(set) var offset: Int64 = 0
  /// Lines that were not a valid record frame (`garrison audit verify` tells why).
  public private(set) var damagedLines: Int = 0
  /// The sequence number of the newest record seen (the chain head), nil before the first record.
  public private(set) var headSequence: UInt64?

  public init(directory: String) { self.directory = directory }

  /// Reads what was appended since the last call and calls `body` with each new record, oldest first.
  /// An absent directory has no records yet. Returns the number of records read.
  @discardableResult
  public mutating func poll(_ body: (AuditRecord) -> Void) throws(GarrisonError) -> Int {
    guard AuditIO.exists(directory) else { return 0 }
    let segments = try Segments.list(directory)
    var count = 0
    for index in segments where segment.map({ index >= $0 }) ?? true {
      if segment != index {
        segment = index
        offset = 0
      }
      count += try readNew(Segments.path(directory, index), body)
    }
    return count
  }

  private mutating func readNew(_ path: String, _ body: (AuditRecord) -> Void) throws(GarrisonError) -> Int {
    let fd = try AuditIO.open(path, O_RDONLY)
    defer { close(fd) }
    let size = Int64(try AuditIO.fstat(fd, path: path).st_size)
    if size < offset { offset = 0 }  // replaced (recovery cut a torn tail): start the segment again
    guard size > offset else { return 0 }
    let bytes = try AuditIO.pread(fd, count: Int(size - offset), offset: offset, path: path)
    var count = 0
    bytes.withUnsafeBufferPointer { buf in
      var start = 0
      while start < buf.count {
        var end = start
        while end < buf.count && buf[end] != 0x0A { end += 1 }
        if end == buf.count { break }  // incomplete final line: next poll
        let line = UnsafeBufferPointer(rebasing: buf[start..<end])
        start = end + 1
        guard case .success(let range) = RecordFrame.unframe(line),
          let record = try? AuditRecord(body: UnsafeBufferPointer(rebasing: line[range]))
        else {
          damagedLines += 1
          continue
        }
        headSequence = record.seq
        count += 1
        body(record)
      }
      offset += Int64(start)
    }
    return count
  }
}
