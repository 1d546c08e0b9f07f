/// A finding that an exemption suppressed, with who suppressed it and why.
public struct SuppressedFinding: Hashable, Codable, Sendable {
  public var finding: Finding
  /// `annotation` (garrison.io/ignore on the object) or `config` (.garrison.yaml).
  public var source: String
  public var reason: String?
  public init(finding: Finding, source: String, reason: String?) {
    self.finding = finding
    self.source = source
    self.reason = reason
  }
}

/// The result of one `garrison lint` run: findings (sorted), suppressed findings, and counts.
public struct LintReport: Codable, Sendable {
  public var findings: [Finding]
  public var suppressed: [SuppressedFinding]
  /// Kubernetes objects read (all kinds).
  public var objectCount: Int
  /// Input files, in the order given (`-` for standard input).
  public var files: [String]
  /// The default policy applied to objects whose namespace has no label.
  public var policy: PSSPolicy
  /// Whether some input did not parse (the run then exits with 2).
  public var hasInputErrors: Bool
  /// With `--effective`: what the runtime would enforce per container.
  public var effective: [EffectiveContainer]?
  /// How many pod-bearing objects were checked at a level or version a Namespace label set.
  public var objectsByNamespaceLabel = 0

  public init(
    findings: [Finding], suppressed: [SuppressedFinding] = [], objectCount: Int, files: [String],
    policy: PSSPolicy, hasInputErrors: Bool = false
  ) {
    self.findings = Finding.sorted(findings)
    self.suppressed = suppressed
    var counts: [Severity: Int] = [:]
    for f in self.findings { counts[f.severity, default: 0] += 1 }
    self.counts = counts
    self.objectCount = objectCount
    self.files = files
    self.policy = policy
    self.hasInputErrors = hasInputErrors
  }

  /// The report of a run whose findings were written as they were found (`LintStream`): their counts per severity
  /// and no findings.
  init(
    counts: [Severity: Int], suppressed: [SuppressedFinding], objectCount: Int, files: [String], policy: PSSPolicy,
    hasInputErrors: Bool
  ) {
    self.findings = []
    self.suppressed = suppressed
    self.counts = counts
    self.objectCount = objectCount
    self.files = files
    self.policy = policy
    self.hasInputErrors = hasInputErrors
  }

  /// Adds `--effective` results: the summaries and any compile-error findings.
  public mutating func addEffective(_ containers: [EffectiveContainer], findings extra: [Finding]) {
    effective = containers
    guard !extra.isEmpty else { return }
    findings = Finding.sorted(findings + extra)
    for f in extra { counts[f.severity, default: 0] += 1 }
  }

  private var counts: [Severity: Int]

  /// Whether the report has no finding (`findings` is empty unless they were streamed).
  public var hasNoFindings: Bool { !counts.values.contains { $0 > 0 } }

  /// Number of findings per severity.
  public func count(_ severity: Severity) -> Int { counts[severity] ?? 0 }

  /// The exit code: 2 if some input did not parse, 1 if a finding reaches `failOn`, else 0.
  public func exitCode(failOn: FailThreshold) -> Int32 {
    if hasInputErrors { return 2 }
    return counts.contains { failOn.isReached(by: $0.key) && $0.value > 0 } ? 1 : 0
  }
}
