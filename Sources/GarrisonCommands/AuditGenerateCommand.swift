import ArgumentParser
import GarrisonAudit
import GarrisonCore

/// Hidden `garrison audit generate`: appends a deterministic synthetic workload (examples and benchmarks).
struct AuditGenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate", abstract: "Append synthetic events (for examples and benchmarks).", shouldDisplay: false)

  @OptionGroup var location: AuditLocationOptions
  @Option(help: "Number of events.") var count: Int = 1000
  @Option(help: "Events per append call.") var batch: Int = 10000
  @Option(help: "Number of distinct pods.") var pods: Int = 12
  @Option(help: "Mean seconds between events.") var spacing: Int = 3
  @Option(help: "Random seed.") var seed: UInt64 = 42
  @Option(help: "Start time (RFC 3339).") var start: String = "2026-01-01T00:00:00Z"

  func run() throws {
    try auditRun { () throws(GarrisonError) in
      let log = try AuditLog(directory: location.directory)
      var gen = SampleEvents(seed: seed, start: try AuditTime(rfc3339: start), pods: pods, spacing: Int64(spacing))
      var left = count
      while left > 0 {
        let n = min(left, max(1, batch))
        try log.append(gen.events(n))
        left -= n
      }
    }
  }
}
