/// The `--format` of `garrison lint`.
public enum OutputFormat: String, CaseIterable, Sendable {
  case text, json, sarif, junit

  /// Renders a report. `color` applies to `text` only; `failOn` decides JUnit failures.
  public func render(_ report: LintReport, catalog: RuleCatalog, failOn: FailThreshold, color: Bool) throws -> String {
    switch self {
    case .text: return TextFormatter(catalog: catalog, color: color).render(report)
    case .json: return try JSONFormatter().render(report)
    case .sarif: return try SARIFFormatter(catalog: catalog).render(report)
    case .junit: return JUnitFormatter(failOn: failOn).render(report)
    }
  }

  /// `render`, handed to `sink` in pieces whose concatenation is `render`'s text: text, JSON and SARIF stream a
  /// window of findings at a time; JUnit is one piece.
  public func write(
    _ report: LintReport, catalog: RuleCatalog, failOn: FailThreshold, color: Bool, to sink: (String) -> Void
  ) throws {
    switch self {
    case .text: TextFormatter(catalog: catalog, color: color).write(report, to: sink)
    case .json: try JSONFormatter().write(report, to: sink)
    case .sarif: try SARIFFormatter(catalog: catalog).write(report, to: sink)
    case .junit: sink(JUnitFormatter(failOn: failOn).render(report))
    }
  }
}
