import ArgumentParser
import GarrisonAudit
import GarrisonCore

/// `garrison audit checkpoint export`: appends a checkpoint record and prints/appends it for safekeeping elsewhere.
struct AuditCheckpointCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "checkpoint", abstract: "Checkpoints of the audit chain.", subcommands: [Export.self])

  /// `checkpoint export`.
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Append a checkpoint record and write it (seq, hash) for storage outside the audit directory.")

    @OptionGroup var location: AuditLocationOptions
    @OptionGroup var key: AuditKeyOptions
    @Option(name: [.short, .long], help: "Append the checkpoint line to this file instead of printing it.") var output: String?

    func run() throws {
      let hmac = try key.key()
      let cp = try auditRun { () throws(GarrisonError) -> AuditCheckpoint in
        try AuditLog(directory: location.directory, hmacKey: hmac).checkpoint()
      }
      let line = cp.json.canonicalString + "\n"
      guard let output else { print(line, terminator: ""); return }
      try auditRun { () throws(GarrisonError) in try AuditKeyFile.append(line, to: output) }
    }
  }
}
