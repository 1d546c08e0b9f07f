import ArgumentParser
import GarrisonAudit
import GarrisonCore

/// `garrison audit verify`: checks the whole chain and every checkpoint; exit 0 intact, 1 broken.
struct AuditVerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Verify the hash chain, every checkpoint record and exported checkpoints (exit 0 ok, 1 broken).")

  @OptionGroup var location: AuditLocationOptions
  @OptionGroup var key: AuditKeyOptions
  @Option(help: "Exported checkpoint file (from `audit checkpoint export`); detects tail truncation. Repeatable.")
  var checkpoint: [String] = []

  func run() throws {
    let hmac = try key.key()
    let result = try auditRun { () throws(GarrisonError) -> AuditVerifier.Result in
      var cps: [AuditCheckpoint] = []
      for file in checkpoint { cps += try AuditCheckpoint.load(path: file) }
      return try AuditVerifier.verify(directory: location.directory, hmacKey: hmac, checkpoints: cps)
    }
    if let p = result.problem {
      print("BROKEN \(location.directory)/\(p)")
      print("verified before the break: \(result.records) records (last good seq \(result.lastSeq))")
      throw ExitCode(ExitCodes.findings)
    }
    print("ok: \(result.records) records in \(result.segments) segments; head seq \(result.lastSeq) hash \(result.headHash)")
    print("checkpoint records: \(result.checkpointRecords); exported checkpoints verified: \(result.exportedCheckpoints)")
  }
}
