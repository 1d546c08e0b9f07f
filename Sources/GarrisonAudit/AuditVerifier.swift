import GarrisonCore

/// Verifies a whole audit directory: every frame, the canonical form of every record, consecutive sequence
/// numbers, every `prev` link (across segments), every in-log checkpoint record, and any exported checkpoints.
public enum AuditVerifier {
  /// Where and why the log is broken: the first bad record.
  public struct Problem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based line within the segment file.
    public var line: Int
    /// The sequence number of the broken record, when it could be read (or the expected one).
    public var seq: UInt64?
    public var message: String
    public var description: String {
      "\(file):\(line): " + (seq.map { "seq \($0): " } ?? "") + message
    }
  }

  /// The result of a verification.
  public struct Result: Sendable, Hashable {
    public var records: Int
    public var segments: Int
    public var lastSeq: UInt64
    public var headHash: String
    public var checkpointRecords: Int
    public var exportedCheckpoints: Int
    public var problem: Problem?
    public var ok: Bool { problem == nil }
  }

  /// Verifies `directory`. Throws only if the directory cannot be read; damage is reported in `problem`.
  public static func verify(directory: String, hmacKey: [UInt8]? = nil,
                            checkpoints: [AuditCheckpoint] = []) throws(GarrisonError) -> Result {
    let hasher = ChainHasher(hmacKey: hmacKey)
    let segments = try Segments.list(directory)
    var result = Result(records: 0, segments: segments.count, lastSeq: 0, headHash: ChainHasher.genesis,
                        checkpointRecords: 0, exportedCheckpoints: 0, problem: nil)
    let wanted = Set(checkpoints.map(\.seq))
    var seen: [UInt64: String] = [:]
    var lastFile = segments.last.map(Segments.name) ?? Segments.name(1)
    var lastLine = 0

    func fail(_ file: String, _ line: Int, _ seq: UInt64?, _ message: String) -> Result {
      var r = result
      r.problem = Problem(file: file, line: line, seq: seq, message: message)
      return r
    }

    for (n, index) in segments.enumerated() {
      let name = Segments.name(index)
      if index != n + 1 {
        return fail(name, 1, result.lastSeq + 1, "segment \(Segments.name(n + 1)) is missing (segments must be numbered consecutively)")
      }
      let bytes = try FileIO.readAll(directory + "/" + name)
      if bytes.isEmpty && n != segments.count - 1 {
        return fail(name, 1, result.lastSeq + 1, "empty segment before the last segment")
      }
      lastFile = name
      lastLine = 0
      var problem: Problem?
      bytes.withUnsafeBufferPointer { buf in
        var start = 0
        var lineNo = 0
        while start < buf.count {
          lineNo += 1
          var end = start
          while end < buf.count && buf[end] != 0x0A { end += 1 }
          let expected = result.lastSeq + 1
          guard end < buf.count else {
            problem = Problem(file: name, line: lineNo, seq: expected, message: "torn final record (no newline); opening the log for writing recovers it")
            return
          }
          let line = UnsafeBufferPointer(rebasing: buf[start..<end])
          start = end + 1
          let range: Range<Int>
          switch RecordFrame.unframe(line) {
          case .success(let r): range = r
          case .failure(let f):
            problem = Problem(file: name, line: lineNo, seq: expected, message: f.description)
            return
          }
          let body = UnsafeBufferPointer(rebasing: line[range])
          let json: JSONValue
          let record: AuditRecord
          do throws(GarrisonError) {
            json = try JSONParser.parse(body)
            record = try AuditRecord(json: json)
          } catch {
            problem = Problem(file: name, line: lineNo, seq: expected, message: "unreadable record: \(error.message)")
            return
          }
          guard json.canonicalBytes.elementsEqual(body) else {
            problem = Problem(file: name, line: lineNo, seq: record.seq, message: "record is not in canonical form")
            return
          }
          guard record.seq == expected else {
            problem = Problem(file: name, line: lineNo, seq: record.seq,
              message: "sequence number \(record.seq) where \(expected) was expected (record deleted, inserted or reordered)")
            return
          }
          guard record.chain == hasher.algorithm else {
            problem = Problem(file: name, line: lineNo, seq: record.seq,
              message: "record uses a \(record.chain) chain; verifying with \(hasher.algorithm) (check --hmac-key-file)")
            return
          }
          guard record.prev == result.headHash else {
            problem = Problem(file: name, line: lineNo, seq: record.seq,
              message: "prev hash does not match the previous record (chain broken: previous record modified, or this one inserted/moved)")
            return
          }
          if record.kind == .auditCheckpoint {
            guard record.details["covers_seq"]?.intValue == Int64(record.seq - 1),
              record.details["head"]?.stringValue == result.headHash
            else {
              problem = Problem(file: name, line: lineNo, seq: record.seq,
                                message: "checkpoint record does not match the chain head it covers")
              return
            }
            result.checkpointRecords += 1
          }
          let hash = hasher.hash(body)
          if wanted.contains(record.seq) { seen[record.seq] = hash }
          result.records += 1
          result.lastSeq = record.seq
          result.headHash = hash
          lastLine = lineNo
        }
      }
      if let problem { return fail(problem.file, problem.line, problem.seq, problem.message) }
    }

    for c in checkpoints.sorted(by: { $0.seq < $1.seq }) {
      guard let hash = seen[c.seq] else {
        return fail(lastFile, lastLine + 1, c.seq,
          "log ends at seq \(result.lastSeq) but an exported checkpoint covers seq \(c.seq): records were truncated")
      }
      guard hash == c.hash else {
        let loc = try locate(seq: c.seq, directory: directory, segments: segments)
        return fail(loc.file, loc.line, c.seq, "record hash differs from the exported checkpoint (log rewritten)")
      }
      result.exportedCheckpoints += 1
    }
    return result
  }

  /// Finds the file and line holding `seq` (used only to report a checkpoint mismatch).
  static func locate(seq: UInt64, directory: String, segments: [Int]) throws(GarrisonError) -> (file: String, line: Int) {
    var found: (String, Int)? = nil
    for index in segments where found == nil {
      try AuditReader.forEachRecord(in: directory + "/" + Segments.name(index)) { record, line in
        if record.seq == seq { found = (Segments.name(index), line); return false }
        return true
      }
    }
    return found ?? (Segments.name(segments.last ?? 1), 0)
  }
}
