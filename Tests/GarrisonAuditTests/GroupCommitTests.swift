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

  /// An append returns only after the commit that holds its records has finished (its fsync), commits never
  /// overlap, each append's sequence numbers are consecutive, and appends arriving during a commit share the next.
  @Test func everyAppendReturnsOnlyAfterItsCommit() throws {
    let commits = GroupCommit()
    let draft = RecordDraft(
      AuditEvent(kind: .containerExec, outcome: .allowed), time: AuditTime(seconds: 0), host: "h",
      actor: AuditActor(uid: 0, pid: 1, commandLine: []), hasher: ChainHasher(hmacKey: nil))
    struct Books {
      var next: UInt64 = 0
      var durable = Set<UInt64>()
      var committing = false
      var overlaps = 0
      var commits = 0
      var early = 0
    }
    let books = Mutex(Books())
    let threads = 32, perThread = 60
    let done = DispatchGroup()
    for t in 0..<threads {
      done.enter()
      Thread.detachNewThread {
        defer { done.leave() }
        for _ in 0..<perThread {
          let size = 1 + t % 3
          let seqs = try! commits.submit(Array(repeating: draft, count: size)) { batch in
            let assigned = books.withLock { b -> [[UInt64]] in
              if b.committing { b.overlaps += 1 }
              b.committing = true
              b.commits += 1
              return batch.map { group in
                defer { b.next += UInt64(group.count) }
                return Array((b.next + 1)...(b.next + UInt64(group.count)))
              }
            }
            usleep(300)  // the write and fsync
            books.withLock { b in
              b.durable.formUnion(assigned.joined())
              b.committing = false
            }
            return assigned
          }
          #expect(seqs.count == size && seqs == Array(seqs[0]..<(seqs[0] + UInt64(size))))
          books.withLock { b in if !seqs.allSatisfy(b.durable.contains) { b.early += 1 } }
        }
      }
    }
    done.wait()
    let b = books.withLock { $0 }
    #expect(b.early == 0 && b.overlaps == 0)
    #expect(b.durable.count == Int(b.next) && b.next == UInt64((0..<threads).map { (1 + $0 % 3) * perThread }.reduce(0, +)))
    #expect(b.commits < threads * perThread / 4, "\(b.commits) commits for \(threads * perThread) appends")
  }

  /// A commit that fails fails every append in it (and only those); the next appenders still get a leader.
  @Test func aFailedCommitFailsItsWholeBatch() throws {
    let commits = GroupCommit()
    let draft = RecordDraft(
      AuditEvent(kind: .containerExec, outcome: .allowed), time: AuditTime(seconds: 0), host: "h",
      actor: AuditActor(uid: 0, pid: 1, commandLine: []), hasher: ChainHasher(hmacKey: nil))
    let tally = Mutex((commits: 0, failedBatch: 0, failed: 0, succeeded: 0))
    let done = DispatchGroup()
    for _ in 0..<16 {
      done.enter()
      Thread.detachNewThread {
        defer { done.leave() }
        for _ in 0..<40 {
          do {
            _ = try commits.submit([draft]) { (batch) throws(GarrisonError) -> [[UInt64]] in
              usleep(200)
              let n = tally.withLock { t -> Int in
                t.commits += 1
                if t.commits == 5 { t.failedBatch = batch.count }
                return t.commits
              }
              if n == 5 { throw GarrisonError(.system, operation: "fsync", "injected") }
              return batch.map { _ in [UInt64(n)] }
            }
            tally.withLock { $0.succeeded += 1 }
          } catch {
            tally.withLock { $0.failed += 1 }
          }
        }
      }
    }
    done.wait()
    let t = tally.withLock { $0 }
    #expect(t.failed == t.failedBatch && t.failed >= 1 && t.succeeded + t.failed == 16 * 40)
  }

  /// 64 threads appending to one log (small segments and frequent checkpoints, so commits rotate and checkpoint
  /// under contention): every returned sequence number holds the event its append gave, each thread's appends are
  /// in its order, and the chain verifies, plain and keyed.
  @Test(arguments: [nil, Array(repeating: UInt8(3), count: 32)] as [[UInt8]?])
  func contendedAppendsKeepOrderContentAndChain(_ key: [UInt8]?) throws {
    let dir = TestSupport.scratch("group-order")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir, hmacKey: key, segmentBytes: 64 << 10, checkpointEvery: 7)
    let threads = 64, perThread = 20, batch = 4
    let given = Mutex([UInt64: String]())
    let done = DispatchGroup()
    for t in 0..<threads {
      done.enter()
      Thread.detachNewThread {
        defer { done.leave() }
        var last: UInt64 = 0
        for i in 0..<perThread {
          let ids = (0..<batch).map { "\(t)/\(i)/\($0)" }
          let seqs = try! log.append(
            ids.map { AuditEvent(kind: .containerExec, outcome: .allowed, object: AuditObject(pod: "p\(t)"), details: ["id": .string($0)]) }
          )
          #expect(seqs.first! > last)
          last = seqs.last!
          given.withLock { for (s, id) in zip(seqs, ids) { $0[s] = id } }
        }
      }
    }
    done.wait()
    let ids = given.withLock { $0 }
    #expect(ids.count == threads * perThread * batch)
    var found = 0
    for r in try AuditReader.readAll(directory: dir) where r.kind == .containerExec {
      #expect(ids[r.seq] == r.details["id"]?.stringValue, "seq \(r.seq)")
      found += 1
    }
    #expect(found == ids.count)
    let verified = try AuditVerifier.verify(directory: dir, hmacKey: key)
    #expect(verified.ok && verified.segments > 1 && verified.checkpointRecords > 0, "\(String(describing: verified.problem))")
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
