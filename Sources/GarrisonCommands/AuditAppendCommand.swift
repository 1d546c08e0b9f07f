import ArgumentParser
import GarrisonAudit
import GarrisonCore

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

  func run() throws {
    let hmac = try key.key()
    try auditRun { () throws(GarrisonError) in
      let log = try AuditLog(directory: location.directory, hmacKey: hmac, segmentBytes: segmentBytes,
                             checkpointEvery: checkpointEvery)
      var i = 0
      while count == 0 || i < count {
        var events: [AuditEvent] = []
        var ids: [Int] = []
        for _ in 0..<max(1, batch) {
          ids.append(i)
          events.append(AuditEvent(kind: .containerExec, outcome: .allowed,
                                   object: AuditObject(namespace: "test", pod: tag, container: "c"),
                                   details: ["tag": .string(tag), "i": .integer(i), "command": ["/bin/true"]]))
          i += 1
        }
        let seqs = try log.append(events)
        var out = ""
        for (s, id) in zip(seqs, ids) { out += "\(s) \(tag) \(id)\n" }
        print(out, terminator: "")
        fflush(nil)
      }
    }
  }
}
