import Dispatch
import Foundation
import GarrisonCore
import Testing

@testable import GarrisonAudit

/// Threads of one process appending to one log share commits: every append is durable and consecutive, every
/// sequence number is handed out once, and far fewer fsyncs than appends are made.
@Suite struct GroupCommitTests {
  @Test func concurrentAppendersShareFsyncs() throws {
    let dir = TestSupport.scratch("group")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir, checkpointEvery: 0)
    let threads = 16, perThread = 100, batch = 3
    let results = Mutex([[UInt64]]())
    // Real threads (concurrentPerform would run only as many as there are cores).
    let done = DispatchGroup()
    for t in 0..<threads {
      done.enter()
      Thread.detachNewThread {
        defer { done.leave() }
        for i in 0..<perThread {
          let events = (0..<batch).map { j in
            AuditEvent(
              kind: .containerExec, outcome: .allowed, object: AuditObject(namespace: "t", pod: "p\(t)", container: "c"),
              details: ["i": .integer(i), "j": .integer(j)])
          }
          let seqs = try! log.append(events)
          results.withLock { $0.append(seqs) }
        }
      }
    }
    done.wait()
    let all = results.withLock { $0 }
    #expect(all.count == threads * perThread)
    for seqs in all { #expect(seqs == Array(seqs[0]..<(seqs[0] + UInt64(batch))), "\(seqs)") }
    #expect(Set(all.flatMap { $0 }) == Set(1...UInt64(threads * perThread * batch)))
    let stats = log.statistics
    #expect(stats.appends == threads * perThread && stats.records == threads * perThread * batch)
    #expect(stats.commits < stats.appends / 2, "\(stats.commits) commits for \(stats.appends) appends")
    #expect(stats.fsync.count == stats.commits && stats.fsync.quantileBound(0.5) != nil)
    let verified = try AuditVerifier.verify(directory: dir)
    #expect(verified.ok && verified.records == threads * perThread * batch, "\(String(describing: verified.problem))")
  }

  @Test func histogramBuckets() {
    var h = LatencyHistogram()
    for s in [0.00005, 0.0003, 0.0003, 0.002, 3.0] { h.record(s) }
    #expect(h.count == 5 && h.counts[0] == 1 && h.counts[2] == 2 && h.counts[4] == 1 && h.counts.last == 1)
    #expect(h.quantileBound(0.5) == 0.0005 && h.quantileBound(0.99) == nil)
  }
}

/// A value behind a lock, for the test's threads.
final class Mutex<Value>: @unchecked Sendable {
  private var value: Value
  private let lock = NSLock()
  init(_ value: Value) { self.value = value }
  func withLock<R>(_ body: (inout Value) -> R) -> R {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}
