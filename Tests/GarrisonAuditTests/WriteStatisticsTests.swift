import Foundation
import GarrisonCore
import Testing

@testable import GarrisonAudit

/// The write statistics every appender keeps beside the log (what the metrics exporter reads): two logs open on one
/// directory (two appenders) add up, the fsync histogram counts every commit, and a torn or foreign file is not read
/// as statistics.
@Suite struct WriteStatisticsTests {
  @Test func appendersOfOneDirectoryAddUp() throws {
    let dir = TestSupport.scratch("writestats")
    defer { TestSupport.cleanup(dir) }
    #expect(try AuditWriteStatistics.read(directory: dir) == nil)
    let a = try AuditLog(directory: dir, checkpointEvery: 0)
    let b = try AuditLog(directory: dir, checkpointEvery: 0)
    for i in 0..<5 {
      try a.append(AuditEvent(kind: .containerExec, outcome: .allowed, details: ["i": .integer(i)]))
      try b.append(AuditEvent(kind: .containerExec, outcome: .allowed, details: ["i": .integer(i)]))
    }
    let s = try #require(try AuditWriteStatistics.read(directory: dir))
    #expect(s.commits == 10 && s.errors == 0 && s.fsyncCount == 10, "\(s)")
    #expect(s.fsyncBuckets.reduce(0, +) == 10 && s.fsyncSumNanoseconds > 0)
    #expect(a.statistics.fsync.count + b.statistics.fsync.count == 10)
    // The statistics file is not a segment: the log still verifies.
    #expect(try AuditVerifier.verify(directory: dir).ok)
  }

  @Test func encodingRoundTripsAndRejectsDamage() {
    var s = AuditWriteStatistics()
    s.commits = 3
    s.errors = 1
    for ns: UInt64 in [50_000, 300_000, 2_000_000_000] { s.recordFsync(nanoseconds: ns) }
    #expect(s.fsyncBuckets[0] == 1 && s.fsyncBuckets[2] == 1 && s.fsyncBuckets.last == 1)
    let bytes = s.encoded()
    #expect(AuditWriteStatistics(decoding: bytes) == s)
    var more = s
    more.recordFsync(nanoseconds: 1)
    #expect(more.encoded().count == bytes.count, "updates rewrite the same bytes in place")
    #expect(AuditWriteStatistics(decoding: Array(bytes.dropLast(7))) == nil, "torn")
    var inconsistent = bytes
    inconsistent[inconsistent.count - 2] = UInt8(ascii: "9")  // the last bucket no longer adds up
    #expect(AuditWriteStatistics(decoding: inconsistent) == nil)
    #expect(AuditWriteStatistics(decoding: Array("hello\n".utf8)) == nil)
  }
}
