import ArgumentParser
import GarrisonAudit
import GarrisonCore

/// `garrison audit report`: aureport-style summaries in text, Markdown, JSON or self-contained HTML.
struct AuditReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Summarise the audit log (text, markdown, json or html).")

  @OptionGroup var location: AuditLocationOptions
  @OptionGroup var filters: AuditFilterOptions
  @Option(help: "Output format: text, markdown, json, html.") var format: String = "text"
  @Option(name: [.short, .long], help: "Write to this file instead of standard output.") var output: String?

  func run() throws {
    guard let fmt = ReportFormat(rawValue: format) else {
      throw ValidationError("unknown format \"\(format)\" (text, markdown, json, html)")
    }
    let filter = try filters.filter()
    let report = try auditRun { () throws(GarrisonError) -> AuditReport in
      try AuditReport.build(directory: location.directory, filter: filter)
    }
    try auditWriteOutput(report.render(fmt), to: output)
  }
}
