import GarrisonCore

/// Reads records from an audit directory in order, without verifying the chain (reports, tail, export).
/// Frames are still checked: a damaged record is an error, except an incomplete final line (a write in flight).
public enum AuditReader {
  /// Calls `body` with every record of one segment file and its 1-based line; `body` returns false to stop.
  public static func forEachRecord(
    in path: String,
    _ body: (AuditRecord, Int) throws(GarrisonError) -> Bool
  ) throws(GarrisonError) {
    let bytes = try AuditIO.readAll(path)
    try bytes.withUnsafeBufferPointer { (buf) throws(GarrisonError) in
      var start = 0
      var lineNo = 0
      while start < buf.count {
        lineNo += 1
        var end = start
        while end < buf.count && buf[end] != 0x0A { end += 1 }
        if end == buf.count { return }  // incomplete final line: being written or torn
        let line = UnsafeBufferPointer(rebasing: buf[start..<end])
        start = end + 1
        switch RecordFrame.unframe(line) {
        case .success(let range):
          let record: AuditRecord
          do throws(GarrisonError) { record = try AuditRecord(body: UnsafeBufferPointer(rebasing: line[range])) } catch {
            throw GarrisonError(
              .invalid, operation: "read audit log", error.message,
              at: SourceLocation(file: path, line: lineNo, column: 1))
          }
          if try !body(record, lineNo) { return }
        case .failure(let f):
          throw GarrisonError(
            .invalid, operation: "read audit log", "\(f); run `garrison audit verify`",
            at: SourceLocation(file: path, line: lineNo, column: 1))
        }
      }
    }
  }

  /// Calls `body` with every record of the directory, oldest first; `body` returns false to stop.
  public static func forEachRecord(
    directory: String,
    _ body: (AuditRecord) throws(GarrisonError) -> Bool
  ) throws(GarrisonError) {
    var stop = false
    for index in try Segments.list(directory) where !stop {
      try forEachRecord(in: Segments.path(directory, index)) { (r, _) throws(GarrisonError) -> Bool in
        let go = try body(r)
        stop = !go
        return go
      }
    }
  }

  /// All records of the directory, oldest first.
  public static func readAll(directory: String) throws(GarrisonError) -> [AuditRecord] {
    var out: [AuditRecord] = []
    try forEachRecord(directory: directory) {
      out.append($0); return true
    }
    return out
  }

  /// The last `count` records (reads segments from the newest backwards).
  public static func last(_ count: Int, directory: String) throws(GarrisonError) -> [AuditRecord] {
    var out: [AuditRecord] = []
    for index in try Segments.list(directory).reversed() where out.count < count {
      var seg: [AuditRecord] = []
      try forEachRecord(in: Segments.path(directory, index)) { r, _ in
        seg.append(r); return true
      }
      out.insert(contentsOf: seg.suffix(count - out.count), at: 0)
    }
    return out
  }
}
