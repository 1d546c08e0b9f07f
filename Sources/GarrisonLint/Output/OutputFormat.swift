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
}
