import GarrisonCore
import GarrisonKernel
import Glibc

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
  public static func verify(
    directory: String, hmacKey: [UInt8]? = nil,
    checkpoints: [AuditCheckpoint] = []
  ) throws(GarrisonError) -> Result {
    let hasher = ChainHasher(hmacKey: hmacKey)
    let segments = try Segments.list(directory)
    var result = Result(
      records: 0, segments: segments.count, lastSeq: 0, headHash: ChainHasher.genesis,
      checkpointRecords: 0, exportedCheckpoints: 0, problem: nil)
    let wanted = Set(checkpoints.map(\.seq))
    var seen: [UInt64: String] = [:]
    var lastFile = segments.last.map(Segments.name) ?? Segments.name(1)
    var lastLine = 0

    var head = [UInt8](repeating: 0, count: 32)  // the genesis hash: the hash of the last good record so far
    /// `head` in hex, formatted only where a checkpoint, an exported checkpoint or the result needs it.
    func headHex() -> String { head.withUnsafeBufferPointer { ChainHasher.hex($0.baseAddress!) } }

    func fail(_ file: String, _ line: Int, _ seq: UInt64?, _ message: String) -> Result {
      var r = result
      r.headHash = headHex()
      r.problem = Problem(file: file, line: line, seq: seq, message: message)
      return r
    }

    // Segments are read and their lines checked ahead, on worker threads (several segments at once); this
    // thread follows the links — sequence numbers, `prev` hashes, checkpoints — in log order, so the first
    // problem reported is the first in the log whatever order the workers finish in.
    let threads = max(1, min(maxThreads, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    let lineThreads = segments.count > 1 ? 1 : threads
    var pending: [Int: (job: BackgroundJob, box: CheckedSegment.Box)] = [:]
    func schedule(_ n: Int) {
      guard n < segments.count, pending[n] == nil else { return }
      let box = CheckedSegment.Box()
      let path = directory + "/" + Segments.name(segments[n])
      pending[n] = (BackgroundJob { box.value = CheckedSegment.read(path, hasher: hasher, threads: lineThreads) }, box)
    }
    defer { for (_, other) in pending { try? other.job.wait() } }  // whatever returns early: no worker outlives this
    for (n, index) in segments.enumerated() {
      for ahead in n..<(n + threads + 1) { schedule(ahead) }
      let name = Segments.name(index)
      let (job, box) = pending.removeValue(forKey: n)!
      try? job.wait()  // the closure does not throw; its outcome is in the box
      if index != n + 1 {
        return fail(name, 1, result.lastSeq + 1, "segment \(Segments.name(n + 1)) is missing (segments must be numbered consecutively)")
      }
      let segment: CheckedSegment
      switch box.value! {
      case .success(let s): segment = s
      case .failure(let e): throw e
      }
      if segment.checks.isEmpty && !segment.torn && n != segments.count - 1 {
        return fail(name, 1, result.lastSeq + 1, "empty segment before the last segment")
      }
      lastFile = name
      lastLine = 0
      var problem: Problem?
      for (k, c) in segment.checks.enumerated() {
        let lineNo = k + 1
        let expected = result.lastSeq + 1
        switch c.failure {
        case .frame(let message):
          problem = Problem(file: name, line: lineNo, seq: expected, message: message)
        case .unreadable(let message):
          problem = Problem(file: name, line: lineNo, seq: expected, message: "unreadable record: \(message)")
        case .notCanonical:
          problem = Problem(file: name, line: lineNo, seq: c.seq, message: "record is not in canonical form")
        case nil: break
        }
        if problem != nil { break }
        guard c.seq == expected else {
          problem = Problem(
            file: name, line: lineNo, seq: c.seq,
            message: "sequence number \(c.seq) where \(expected) was expected (record deleted, inserted or reordered)")
          break
        }
        if let chain = c.otherChain {
          problem = Problem(
            file: name, line: lineNo, seq: c.seq,
            message: "record uses a \(chain) chain; verifying with \(hasher.algorithm) (check --hmac-key-file)")
          break
        }
        guard c.prevIsHex, segment.prevs[(32 * k)..<(32 * k + 32)].elementsEqual(head) else {
          problem = Problem(
            file: name, line: lineNo, seq: c.seq,
            message: "prev hash does not match the previous record (chain broken: previous record modified, or this one inserted/moved)")
          break
        }
        if c.isCheckpoint {
          guard c.checkpointCovers == Int64(c.seq - 1), c.checkpointHead == headHex() else {
            problem = Problem(file: name, line: lineNo, seq: c.seq, message: "checkpoint record does not match the chain head it covers")
            break
          }
          result.checkpointRecords += 1
        }
        head.withUnsafeMutableBufferPointer { h in
          for j in 0..<32 { h[j] = segment.hashes[32 * k + j] }
        }
        if wanted.contains(c.seq) { seen[c.seq] = headHex() }
        result.records += 1
        result.lastSeq = c.seq
        lastLine = lineNo
      }
      if problem == nil && segment.torn {
        problem = Problem(
          file: name, line: segment.checks.count + 1, seq: result.lastSeq + 1,
          message: "torn final record (no newline); opening the log for writing recovers it")
      }
      if let problem { return fail(problem.file, problem.line, problem.seq, problem.message) }
    }
    result.headHash = headHex()

    for c in checkpoints.sorted(by: { $0.seq < $1.seq }) {
      guard let hash = seen[c.seq] else {
        return fail(
          lastFile, lastLine + 1, c.seq,
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

  /// One segment read and its lines checked each on its own (no links followed yet).
  struct CheckedSegment {
    var checks: [LineCheck]
    /// Each line's chain hash and decoded `prev`, 32 bytes per line.
    var hashes: [UInt8]
    var prevs: [UInt8]
    /// Bytes follow the last newline.
    var torn: Bool

    /// Where a worker leaves its segment for the linking thread.
    final class Box: @unchecked Sendable {
      var value: Swift.Result<CheckedSegment, GarrisonError>?
    }

    static func read(_ path: String, hasher: ChainHasher, threads: Int) -> Swift.Result<CheckedSegment, GarrisonError> {
      let bytes: [UInt8]
      do throws(GarrisonError) {
        bytes = try AuditIO.readAll(path)
      } catch {
        return .failure(error)
      }
      return .success(
        bytes.withUnsafeBufferPointer { buf in
          let (lines, torn) = AuditVerifier.lines(buf)
          var segment = CheckedSegment(
            checks: [LineCheck](repeating: LineCheck(), count: lines.count),
            hashes: [UInt8](repeating: 0, count: lines.count * 32), prevs: [UInt8](repeating: 0, count: lines.count * 32),
            torn: torn)
          AuditVerifier.checkLines(
            buf, lines, hasher: hasher, threads: threads, checks: &segment.checks, hashes: &segment.hashes, prevs: &segment.prevs)
          return segment
        })
    }
  }

  /// The lines of a segment (without their newlines), and whether bytes follow the last newline (a torn record).
  static func lines(_ buf: UnsafeBufferPointer<UInt8>) -> (lines: [Range<Int>], torn: Bool) {
    var lines: [Range<Int>] = []
    lines.reserveCapacity(buf.count / 700 + 1)
    guard let base = buf.baseAddress else { return (lines, false) }
    var start = 0
    while start < buf.count {
      guard let found = memchr(base + start, 0x0A, buf.count - start) else { return (lines, true) }
      let nl = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
      lines.append(start..<nl)
      start = nl + 1
    }
    return (lines, false)
  }

  /// Checks every line on its own, on up to `threads` threads for a large segment (each thread a contiguous
  /// run of lines, writing only its own slots).
  static func checkLines(
    _ buf: UnsafeBufferPointer<UInt8>, _ lines: [Range<Int>], hasher: ChainHasher, threads maxLineThreads: Int,
    checks: inout [LineCheck], hashes: inout [UInt8], prevs: inout [UInt8]
  ) {
    let threads = lines.count < 2_000 ? 1 : maxLineThreads
    checks.withUnsafeMutableBufferPointer { c in
      hashes.withUnsafeMutableBufferPointer { h in
        prevs.withUnsafeMutableBufferPointer { p in
          let slots = Slots(buf: buf, checks: c, hashes: h, prevs: p)
          func run(_ part: Range<Int>) {
            for k in part {
              slots.checks[k] = LineCheck.check(
                UnsafeBufferPointer(rebasing: slots.buf[lines[k]]), hasher: hasher,
                hash: slots.hashes.baseAddress! + 32 * k, prev: slots.prevs.baseAddress! + 32 * k)
            }
          }
          let per = (lines.count + threads - 1) / threads
          let parts = (0..<threads).map { t in (t * per)..<min(lines.count, (t + 1) * per) }
          let jobs = parts.dropFirst().map { part in BackgroundJob { run(part) } }
          run(parts[0])
          for job in jobs { try? job.wait() }  // the closures do not throw
        }
      }
    }
  }

  /// The most threads one verification uses.
  public static let maxThreads = 8

  /// The buffers the checking threads share; each thread touches only its own lines' slots.
  private struct Slots: @unchecked Sendable {
    let buf: UnsafeBufferPointer<UInt8>
    let checks: UnsafeMutableBufferPointer<LineCheck>
    let hashes: UnsafeMutableBufferPointer<UInt8>
    let prevs: UnsafeMutableBufferPointer<UInt8>
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
