import Foundation
import GarrisonCore
import Synchronization
import Testing
@testable import GarrisonAudit

@Suite struct RecoveryTests {
  @Test(arguments: [7, 40, 200])
  func tornFinalRecordIsCutAndRecorded(tornBytes: Int) throws {
    let dir = TestSupport.scratch("torn")
    defer { TestSupport.cleanup(dir) }
    _ = try TestSupport.smallLog(dir, count: 3, segmentBytes: 1 << 20)
    let file = try TestSupport.segmentFiles(dir).last!
    let good = TestSupport.read(file)
    // A torn write: the first bytes of a record, without its newline.
    let lastLine = good.dropLast().split(separator: 0x0A).last!
    TestSupport.write(file, good + Array(lastLine.prefix(tornBytes)))
    #expect(try !AuditVerifier.verify(directory: dir).ok)
    let log = try AuditLog(directory: dir)
    #expect(log.lastRecovery?.bytesCut == tornBytes)
    #expect(try AuditVerifier.verify(directory: dir).ok)
    let records = try AuditReader.readAll(directory: dir)
    #expect(records.last?.kind == .auditRecovered)
    #expect(records.last?.details["bytes_cut"]?.intValue == Int64(tornBytes))
    #expect(records.last?.details["offset"]?.intValue == Int64(good.count))
  }

  @Test func damagedFinalLineWithNewlineIsCut() throws {
    let dir = TestSupport.scratch("torn2")
    defer { TestSupport.cleanup(dir) }
    _ = try TestSupport.smallLog(dir, count: 2)
    let file = try TestSupport.segmentFiles(dir).last!
    TestSupport.write(file, TestSupport.read(file) + Array("{\"crc32\":\"00000000\",\"len\":3,\"record\":{}}\n".utf8))
    _ = try AuditLog(directory: dir)
    #expect(try AuditVerifier.verify(directory: dir).ok)
  }

  @Test func damageBeforeTheFinalRecordFailsClosed() throws {
    let dir = TestSupport.scratch("damaged")
    defer { TestSupport.cleanup(dir) }
    _ = try TestSupport.smallLog(dir, count: 3, segmentBytes: 1 << 20)
    let file = try TestSupport.segmentFiles(dir).last!
    var bytes = TestSupport.read(file)
    bytes[bytes.count - 5] ^= 0x20  // inside the last complete record
    bytes.append(contentsOf: Array("{\"crc".utf8))  // and a torn tail
    TestSupport.write(file, bytes)
    #expect(throws: GarrisonError.self) { try AuditLog(directory: dir) }
  }

  @Test func groupCommitReturnsConsecutiveSeqsAndRotates() throws {
    let dir = TestSupport.scratch("group")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir, segmentBytes: 4096, checkpointEvery: 0)
    var gen = SampleEvents(seed: 1)
    let seqs = try log.append(gen.events(50))
    #expect(seqs == Array(1...50))
    #expect(try Segments.list(dir).count > 3)
    #expect(try AuditVerifier.verify(directory: dir).records == 50)
    let again = try AuditLog(directory: dir, segmentBytes: 4096, checkpointEvery: 0)
    #expect(try again.append(gen.events(2)) == [51, 52])
  }

  /// An append whose fsync runs later (garrison-oci overlaps it with the container's run) continues the chain
  /// like any other, across a rotation and a second writer, and its pending fsync still succeeds afterwards.
  @Test func appendWithoutSyncContinuesTheChain() throws {
    let dir = TestSupport.scratch("nosync")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir, segmentBytes: 4096, checkpointEvery: 0)
    var gen = SampleEvents(seed: 2)
    #expect(try log.append(gen.events(3)) == [1, 2, 3])
    let (seq, pending) = try log.appendWithoutSync(gen.events(1)[0])
    #expect(seq == 4)
    let other = try AuditLog(directory: dir, segmentBytes: 4096, checkpointEvery: 0)
    #expect(try other.append(gen.events(20)).last == 24)  // rotates past the pending segment
    try pending.run()
    #expect(try log.append(gen.events(1)) == [25])
    let verified = try AuditVerifier.verify(directory: dir)
    #expect(verified.ok && verified.records == 25)
  }
}

@Suite struct InProcessConcurrencyTests {
  /// Threads sharing one `AuditLog` (serialised by its mutex) and a second instance on the same directory
  /// (serialised by flock on a separate open file description) still produce one valid chain.
  @Test func threadsAndTwoInstancesShareOneChain() throws {
    let dir = TestSupport.scratch("threads")
    defer { TestSupport.cleanup(dir) }
    let a = try AuditLog(directory: dir, segmentBytes: 16384, checkpointEvery: 25)
    let b = try AuditLog(directory: dir, segmentBytes: 16384, checkpointEvery: 25)
    let seqs = Mutex<[UInt64]>([])
    DispatchQueue.concurrentPerform(iterations: 8) { t in
      let log = t % 2 == 0 ? a : b
      for i in 0..<40 {
        let got = try! log.append([
          AuditEvent(
            kind: .containerExec, outcome: .allowed,
            details: ["t": .integer(t), "i": .integer(i)])
        ])
        seqs.withLock { $0 += got }
      }
    }
    let all = seqs.withLock { $0 }
    #expect(all.count == 320 && Set(all).count == 320)
    let r = try AuditVerifier.verify(directory: dir)
    #expect(r.ok, "\(String(describing: r.problem))")
    #expect(r.records == 320 + r.checkpointRecords)
  }
}
