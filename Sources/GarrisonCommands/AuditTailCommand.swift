import ArgumentParser
import GarrisonAudit
import GarrisonCore

#if canImport(Glibc)
  import Glibc
#endif

/// `garrison audit tail [-f] [-n N]`: prints the last records, optionally following new ones.
struct AuditTailCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "tail", abstract: "Print the last audit records.")

  @OptionGroup var location: AuditLocationOptions
  @Option(name: .customShort("n"), help: "Number of records to print.") var count: Int = 10
  @Flag(name: .customShort("f"), help: "Keep printing records as they are appended.") var follow = false

  func run() throws {
    let dir = location.directory
    var last = try auditRun { () throws(GarrisonError) -> UInt64 in
      let records = try AuditReader.last(max(0, count), directory: dir)
      for r in records { print(AuditTailCommand.line(r)) }
      return try AuditReader.last(1, directory: dir).last?.seq ?? 0
    }
    fflush(nil)
    while follow {
      usleep(200_000)
      last = try auditRun { () throws(GarrisonError) -> UInt64 in
        var newest = last
        // Only the newest segment(s) can hold new records; read from the end backwards until caught up.
        var batch = try AuditReader.last(256, directory: dir)
        while let first = batch.first, first.seq > last + 1, batch.count < 1 << 20 {
          batch = try AuditReader.last(batch.count * 4, directory: dir)
        }
        for r in batch where r.seq > last {
          print(AuditTailCommand.line(r))
          newest = r.seq
        }
        return newest
      }
      fflush(nil)
    }
  }

  static func line(_ r: AuditRecord) -> String {
    let obj = r.object.podKey + (r.object.container.map { "/\($0)" } ?? "")
    return "\(r.seq) \(r.time) \(r.kind.rawValue) \(r.outcome.rawValue) \(obj) \(r.details.canonicalString)"
  }
}
