import Foundation
import GarrisonCore
import Testing
@testable import GarrisonAudit

/// `AuditTail` hands over each record once, reading only what was appended since the previous poll, across
/// segment rotation, and leaves a line still being written for the next poll.
struct AuditTailTests {
  @Test func pollsReadOnlyNewRecordsAcrossSegments() throws {
    let dir = TestSupport.scratch("tail")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir, segmentBytes: 4096, checkpointEvery: 1000)
    var tail = AuditTail(directory: dir)
    var seen: [UInt64] = []
    try tail.poll { seen.append($0.seq) }
    let first = try log.append(
      AuditEvent(kind: .seccompDenied, outcome: .denied, object: AuditObject(namespace: "default", pod: "p", container: "c")))
    try tail.poll { seen.append($0.seq) }
    #expect(seen.contains(first))
    let before = seen.count
    try tail.poll { seen.append($0.seq) }
    #expect(seen.count == before, "a poll without appends reads nothing")
    // Enough records to roll over several 4 KiB segments.
    var appended: [UInt64] = []
    for i in 0..<60 {
      appended.append(try log.append(AuditEvent(kind: .execStarted, outcome: .allowed, object: AuditObject(namespace: "ns", pod: "p\(i)"))))
    }
    #expect(try Segments.list(dir).count > 1)
    try tail.poll { seen.append($0.seq) }
    #expect(Set(appended).isSubset(of: Set(seen)))
    #expect(seen.count == Set(seen).count, "no record is handed over twice")
    #expect(tail.headSequence == appended.last)
    #expect(tail.damagedLines == 0)
  }

  @Test func anIncompleteLineWaitsForTheNextPoll() throws {
    let dir = TestSupport.scratch("tail-partial")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir)
    _ = try log.append(AuditEvent(kind: .podAdmitted, outcome: .allowed))
    let segment = Segments.path(dir, try Segments.list(dir).last!)
    let whole = try Data(contentsOf: URL(fileURLWithPath: segment))
    var tail = AuditTail(directory: dir)
    var n = 0
    try tail.poll { _ in n += 1 }
    let count = n
    // Half a line appended (a writer mid-write): nothing new, nothing damaged.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
    handle.seekToEndOfFile()
    let lastLine = whole.split(separator: 0x0A).last!
    handle.write(Data(lastLine.prefix(lastLine.count / 2)))
    try handle.close()
    try tail.poll { _ in n += 1 }
    #expect(n == count)
    #expect(tail.damagedLines == 0)
  }
}
