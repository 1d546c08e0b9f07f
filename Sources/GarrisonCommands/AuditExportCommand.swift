import ArgumentParser
import GarrisonAudit
import GarrisonCore

/// `garrison audit export --format jsonl|ocsf`: every matching record, one JSON object per line.
struct AuditExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export records as JSON Lines (jsonl) or OCSF events (ocsf).")

  @OptionGroup var location: AuditLocationOptions
  @OptionGroup var filters: AuditFilterOptions
  @Option(help: "jsonl (Garrison records) or ocsf (OCSF 1.1; unmapped fields under `unmapped`).") var format: String = "jsonl"
  @Option(name: [.short, .long], help: "Write to this file instead of standard output.") var output: String?

  func run() throws {
    guard format == "jsonl" || format == "ocsf" else { throw ValidationError("unknown format \"\(format)\" (jsonl, ocsf)") }
    let filter = try filters.filter()
    let ocsf = format == "ocsf"
    let out = try AuditOutput(path: output)
    var writeError: (any Error)?
    try auditRun { () throws(GarrisonError) in
      try AuditReader.forEachRecord(directory: location.directory) { r in
        guard filter.matches(r) else { return true }
        do { try out.write((ocsf ? OCSFExport.event(r) : r.json).canonicalString + "\n") } catch {
          writeError = error
          return false
        }
        return true
      }
    }
    if let writeError { throw writeError }
    try out.close()
  }
}
