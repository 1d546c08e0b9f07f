/// What to check and how, after command-line flags and `.garrison.yaml` are combined.
public struct LintOptions: Sendable {
  /// The level for objects whose namespace has no `pod-security.kubernetes.io/enforce` label.
  public var level: PSSLevel = .restricted
  /// The version for objects whose namespace has no `enforce-version` label.
  public var version: PSSVersion = .latest
  /// Set when `--level` was given: it then wins over namespace labels.
  public var levelIsExplicit = false
  /// Set when `--pss-version` was given: it then wins over namespace labels.
  public var versionIsExplicit = false
  /// Run the hardening checks.
  public var hardening = true
  /// Checks turned on even when their group is off.
  public var enable: Set<String> = []
  /// Checks turned off.
  public var disable: Set<String> = []
  /// Exemptions from `.garrison.yaml`.
  public var exemptions: [ConfigExemption] = []
  /// `--namespace-labels=apply` (default): Namespace objects' pod-security labels set the policy of the objects
  /// they govern; `ignore`: every object gets `level` and `version`.
  public var namespaceLabels = true
  /// Where `level` and `version` come from, for findings' `policy`: `default`, `command line` or the config file.
  public var policySource = "default"

  public init() {}

  /// Applies a config file's settings under the command-line ones (`nil` flags take the config's value).
  public mutating func apply(_ config: LintConfig) {
    if !levelIsExplicit, let l = config.level { level = l }
    if !versionIsExplicit, let v = config.pssVersion { version = v }
    if config.level != nil || config.pssVersion != nil { policySource = config.file ?? "config" }
    if let h = config.hardening { hardening = h }
    enable.formUnion(config.enable)
    disable.formUnion(config.disable)
    exemptions += config.exemptions
  }

  /// Whether a check runs: enabled explicitly, or not disabled and its group is on.
  public func isEnabled(_ checkID: String) -> Bool {
    if enable.contains(checkID) { return true }
    if disable.contains(checkID) { return false }
    if checkID.hasPrefix("hardening.") { return hardening }
    return true
  }
}
