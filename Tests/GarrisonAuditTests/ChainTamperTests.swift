import Foundation
import GarrisonCore
import Testing
@testable import GarrisonAudit

/// Every single-byte change, every record deletion, reorder, insertion and tail truncation of a generated log
/// must be reported, at the exact file and line.
@Suite struct ChainTamperTests {
  /// A log spanning two segments with in-log checkpoints and an exported checkpoint at the end.
  func makeLog() throws -> (String, [AuditCheckpoint]) {
    let dir = TestSupport.scratch("tamper")
    let log = try TestSupport.smallLog(dir, count: 9, segmentBytes: 4096)
    let cp = try log.checkpoint()
    #expect(try Segments.list(dir).count >= 2)
    return (dir, [cp])
  }

  @Test func intactLogVerifies() throws {
    let (dir, cps) = try makeLog()
    defer { TestSupport.cleanup(dir) }
    let r = try AuditVerifier.verify(directory: dir, checkpoints: cps)
    #expect(r.ok, "\(String(describing: r.problem))")
    #expect(r.records == 12)  // 9 events + 2 automatic checkpoints + 1 exported
    #expect(r.checkpointRecords == 3)
    #expect(r.exportedCheckpoints == 1)
  }

  @Test func everySingleByteChangeIsDetectedAtItsLine() throws {
    let (dir, cps) = try makeLog()
    defer { TestSupport.cleanup(dir) }
    var checked = 0
    for file in try TestSupport.segmentFiles(dir) {
      let original = TestSupport.read(file)
      var lineOf = [Int](repeating: 0, count: original.count)
      var line = 1
      for (i, b) in original.enumerated() { lineOf[i] = line; if b == 0x0A { line += 1 } }
      for offset in original.indices {
        var bytes = original
        bytes[offset] ^= 0x01
        TestSupport.write(file, bytes)
        let r = try AuditVerifier.verify(directory: dir, checkpoints: cps)
        guard let p = r.problem else {
          Issue.record("byte \(offset) of \(file) changed but verify passed")
          continue
        }
        #expect(
          p.file == (file as NSString).lastPathComponent && p.line == lineOf[offset],
          "byte \(offset): reported \(p) but the change is on line \(lineOf[offset])")
        checked += 1
      }
      TestSupport.write(file, original)
    }
    #expect(checked > 5000)
    #expect(try AuditVerifier.verify(directory: dir, checkpoints: cps).ok)
  }

  func lines(_ file: String) -> [[UInt8]] {
    TestSupport.read(file).split(separator: 0x0A).map { Array($0) + [0x0A] }
  }

  @Test func everyDeletionReorderInsertionAndTruncationIsDetected() throws {
    let (dir, cps) = try makeLog()
    defer { TestSupport.cleanup(dir) }
    for file in try TestSupport.segmentFiles(dir) {
      let original = lines(file)
      let name = (file as NSString).lastPathComponent
      for i in original.indices {
        var deleted = original
        deleted.remove(at: i)
        TestSupport.write(file, deleted.flatMap { $0 })
        let r = try AuditVerifier.verify(directory: dir, checkpoints: cps)
        #expect(!r.ok, "deleting line \(i + 1) of \(name) went unnoticed")
        if i + 1 < original.count { #expect(r.problem?.line == i + 1 && r.problem?.file == name) }

        var duplicated = original
        duplicated.insert(original[i], at: i)
        TestSupport.write(file, duplicated.flatMap { $0 })
        #expect(try AuditVerifier.verify(directory: dir, checkpoints: cps).problem?.line == i + 2)

        if i + 1 < original.count {
          var swapped = original
          swapped.swapAt(i, i + 1)
          TestSupport.write(file, swapped.flatMap { $0 })
          let s = try AuditVerifier.verify(directory: dir, checkpoints: cps)
          #expect(
            s.problem?.line == i + 1 && s.problem?.file == name, "swapping lines \(i + 1) and \(i + 2): \(String(describing: s.problem))")
        }
      }
      TestSupport.write(file, original.flatMap { $0 })
    }
    // Truncating the tail (even a whole segment) is caught by the exported checkpoint, not by the chain alone.
    let files = try TestSupport.segmentFiles(dir)
    let last = files.last!
    let original = lines(last)
    TestSupport.write(last, original.dropLast().flatMap { $0 })
    #expect(try AuditVerifier.verify(directory: dir).ok)
    let t = try AuditVerifier.verify(directory: dir, checkpoints: cps)
    #expect(t.problem?.message.contains("truncated") == true)
    try FileManager.default.removeItem(atPath: last)
    #expect(try !AuditVerifier.verify(directory: dir, checkpoints: cps).ok)
    // Deleting the first segment breaks the chain at its start.
    TestSupport.write(last, original.flatMap { $0 })
    try FileManager.default.removeItem(atPath: files[0])
    #expect(try AuditVerifier.verify(directory: dir).problem?.message.contains("missing") == true)
  }

  @Test func keyedChainNeedsTheKey() throws {
    let dir = TestSupport.scratch("keyed")
    defer { TestSupport.cleanup(dir) }
    let key = Array("0123456789abcdef0123".utf8)
    _ = try TestSupport.smallLog(dir, count: 5, key: key)
    #expect(try AuditVerifier.verify(directory: dir, hmacKey: key).ok)
    #expect(try !AuditVerifier.verify(directory: dir).ok)
    #expect(try !AuditVerifier.verify(directory: dir, hmacKey: Array("0123456789abcdef0124".utf8)).ok)
    #expect(throws: GarrisonError.self) { try AuditLog(directory: dir).append(AuditEvent(kind: .podAdmitted, outcome: .allowed)) }
  }
}
