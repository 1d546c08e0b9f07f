/// How serious a finding is. Ordered: `info` < `warning` < `error`.
///
/// A Pod Security Standards violation at the chosen level is an `error`; hardening findings are
/// `warning`s; advice (missing probes, unused exemptions) is `info`.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable, CustomStringConvertible {
  case info
  case warning
  case error

  private var rank: Int {
    switch self {
    case .info: return 0
    case .warning: return 1
    case .error: return 2
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
  public var description: String { rawValue }

  /// The SARIF `level` for this severity (`note`, `warning`, `error`).
  public var sarifLevel: String {
    switch self {
    case .info: return "note"
    case .warning: return "warning"
    case .error: return "error"
    }
  }
}

/// The `--fail-on` threshold: a severity, or `none` to never fail on findings.
public enum FailThreshold: String, Codable, Sendable, CaseIterable {
  case info, warning, error, none

  /// Whether a finding of `severity` reaches this threshold.
  public func isReached(by severity: Severity) -> Bool {
    switch self {
    case .none: return false
    case .info: return severity >= .info
    case .warning: return severity >= .warning
    case .error: return severity >= .error
    }
  }
}
