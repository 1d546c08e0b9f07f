import ArgumentParser
import GarrisonAudit
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

/// Hidden `garrison audit append`: appends test events in a loop and prints `SEQ TAG I` after each durable append.
/// Used by the crash and concurrency tests (the printed seqs are acknowledged: they must survive SIGKILL).
struct AuditAppendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "append", abstract: "Append test events (for tests).", shouldDisplay: false)

  @OptionGroup var location: AuditLocationOptions
  @OptionGroup var key: AuditKeyOptions
  @Option(help: "Number of events (0: until killed).") var count: Int = 1
  @Option(help: "Events per append call (group commit).") var batch: Int = 1
  @Option(help: "Tag stored in each event's details.") var tag: String = "test"
  @Option(help: "Segment size in bytes.") var segmentBytes: Int = AuditLog.defaultSegmentBytes
  @Option(help: "Records between checkpoint records.") var checkpointEvery: Int = AuditLog.defaultCheckpointEvery
  @Option(help: "Appending threads in this process, each appending --count events (they share commits).") var threads: Int = 1
  @Flag(help: "Print commits and the fsync latency distribution to stderr at the end.") var stats = false
  @Flag(help: "Do not print a line per append (benchmarks).") var quiet = false

  func run() throws {
    let hmac = try key.key()
    try auditRun { () throws(GarrisonError) in
      let log = try AuditLog(
        directory: location.directory, hmacKey: hmac, segmentBytes: segmentBytes,
        checkpointEvery: checkpointEvery)
      let out = Lock()
      let failure = Lock()
      nonisolated(unsafe) var firstError: GarrisonError?
      func appender(_ thread: Int) {
        var i = 0
        let tag = threads > 1 ? "\(self.tag)-\(thread)" : self.tag
        while count == 0 || i < count {
          var events: [AuditEvent] = []
          var ids: [Int] = []
          for _ in 0..<max(1, batch) {
            ids.append(i)
            events.append(
              AuditEvent(
                kind: .containerExec, outcome: .allowed,
                object: AuditObject(namespace: "test", pod: tag, container: "c"),
                details: ["tag": .string(tag), "i": .integer(i), "command": ["/bin/true"]]))
            i += 1
          }
          let seqs: [UInt64]
          do throws(GarrisonError) { seqs = try log.append(events) } catch {
            failure.withLock { if firstError == nil { firstError = error } }
            return
          }
          if quiet { continue }
          var line = ""
          for (s, id) in zip(seqs, ids) { line += "\(s) \(tag) \(id)\n" }
          out.withLock {
            print(line, terminator: "")
            fflush(nil)
          }
        }
      }
      let jobs = (1..<max(1, threads)).map { t in BackgroundJob { appender(t) } }
      appender(0)
      for job in jobs { try? job.wait() }  // appender reports through firstError
      if let firstError { throw firstError }
      if stats {
        let s = log.statistics
        let q = { (p: Double) in s.fsync.quantileBound(p).map { "≤\($0 * 1000) ms" } ?? "-" }
        let mean = s.fsync.count > 0 ? s.fsync.sum / Double(s.fsync.count) * 1000 : 0
        GarrisonKernel.StandardError.write(
          "appends \(s.appends), commits \(s.commits), records \(s.records); fsync mean "
            + "\((mean * 100).rounded() / 100) ms, p50 \(q(0.5)), p90 \(q(0.9)), p99 \(q(0.99))\n")
      }
    }
  }
}
