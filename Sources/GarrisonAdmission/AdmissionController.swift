import Foundation
import GarrisonCore
import GarrisonLint
import GarrisonManifest

/// Pod Security admission as a validating webhook decides it: per-namespace `enforce`, `warn` and `audit`
/// policies from the `pod-security.kubernetes.io/<mode>[-version]` labels (else the defaults), exemptions by
/// username, namespace and runtime class, and Garrison's Pod Security Standards checks (GarrisonLint's, which agree
/// with upstream's verdicts and messages).
///
/// As Pod Security Admission does: `enforce` denies Pods (create, update, and the `ephemeralcontainers`
/// subresource); for the pod templates of workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
/// CronJob, ReplicationController, PodTemplate) it only warns (`warn`) and annotates (`audit`), since the pods they
/// make are checked when created. Namespace labels come from a file of Namespace objects given at start and from
/// the Namespace objects this webhook itself reviews (a Namespace with an invalid pod-security label is denied).
public final class AdmissionController: @unchecked Sendable {
  /// The policy of each mode.
  public struct Modes: Sendable, Equatable {
    public var enforce: PSSPolicy
    public var warn: PSSPolicy
    public var audit: PSSPolicy
    public init(enforce: PSSPolicy, warn: PSSPolicy, audit: PSSPolicy) {
      self.enforce = enforce
      self.warn = warn
      self.audit = audit
    }
  }

  /// Requests that are not checked (PSA's `exemptions`).
  public struct Exemptions: Sendable, Equatable {
    public var usernames: Set<String> = []
    public var namespaces: Set<String> = []
    public var runtimeClasses: Set<String> = []
    public init(usernames: Set<String> = [], namespaces: Set<String> = [], runtimeClasses: Set<String> = []) {
      self.usernames = usernames
      self.namespaces = namespaces
      self.runtimeClasses = runtimeClasses
    }
  }

  public let defaults: Modes
  public let exemptions: Exemptions
  private let lock = Lock()
  private var labels: [String: [String: String]] = [:]

  static let workloadKinds: Set<String> = [
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
    "ReplicationController", "PodTemplate",
  ]
  static let labelPrefix = "pod-security.kubernetes.io/"

  public init(defaults: Modes, exemptions: Exemptions = Exemptions(), namespaces: [ManifestObject] = []) {
    self.defaults = defaults
    self.exemptions = exemptions
    for n in namespaces where n.kind == "Namespace" { labels[n.name] = n.metadata.labels }
  }

  /// The policies that apply in `namespace` (its labels over the defaults).
  public func modes(in namespace: String) -> Modes {
    let l = lock.withLock { labels[namespace] ?? [:] }
    func policy(_ mode: String, _ fallback: PSSPolicy) -> PSSPolicy {
      PSSPolicy(
        level: l[Self.labelPrefix + mode].flatMap(PSSLevel.init(rawValue:)) ?? fallback.level,
        version: l[Self.labelPrefix + mode + "-version"].flatMap(PSSVersion.init(parsing:)) ?? fallback.version)
    }
    return Modes(enforce: policy("enforce", defaults.enforce), warn: policy("warn", defaults.warn), audit: policy("audit", defaults.audit))
  }

  public func decide(_ r: AdmissionRequest) -> AdmissionDecision {
    if r.kind == "Namespace" { return namespace(r) }
    guard r.operation == "CREATE" || r.operation == "UPDATE" else {
      return AdmissionDecision(allowed: true, exemptReason: "operation \(r.operation) is not checked")
    }
    let isPod = r.kind == "Pod"
    guard isPod || Self.workloadKinds.contains(r.kind) else {
      return AdmissionDecision(allowed: true, exemptReason: "kind \(r.kind) has no pod")
    }
    guard r.subResource.isEmpty || (isPod && r.subResource == "ephemeralcontainers") else {
      return AdmissionDecision(allowed: true, exemptReason: "subresource \(r.subResource) is not checked")
    }
    if exemptions.usernames.contains(r.username) {
      return AdmissionDecision(allowed: true, exemptReason: "user \(r.username) is exempt")
    }
    if exemptions.namespaces.contains(r.namespace) {
      return AdmissionDecision(allowed: true, exemptReason: "namespace \(r.namespace) is exempt")
    }
    guard let text = r.objectJSON else { return AdmissionDecision(allowed: true, exemptReason: "no object") }
    let load = ManifestLoader.parse(text: text, file: "\(r.kind.lowercased()) \(r.namespace)/\(r.name).json")
    guard load.errors.isEmpty, let object = load.objects.first, let pod = object.pod else {
      let why = load.errors.first.map(\.description) ?? "no pod spec found"
      return AdmissionDecision(
        allowed: false, message: "\(Self.resource(r.kind)) \(Quoted.quoted(r.name)) is forbidden: the object cannot be checked: \(why)",
        violations: ["api.invalid"])
    }
    if let rc = Self.runtimeClass(r), exemptions.runtimeClasses.contains(rc) {
      return AdmissionDecision(allowed: true, exemptReason: "runtime class \(rc) is exempt")
    }
    let modes = modes(in: r.namespace)
    let context = PodContext(object: object, pod: pod)
    func evaluate(_ policy: PSSPolicy) -> (ids: [String], text: String) {
      let results = PSSRegistry.evaluate(context, policy: policy).filter { !$0.violations.isEmpty }
      return (results.map(\.check.checkID), results.flatMap { $0.violations.map(\.message) }.joined(separator: ", "))
    }
    var decision = AdmissionDecision(allowed: true, auditAnnotations: ["enforce-policy": modes.enforce.description])
    let enforce = evaluate(modes.enforce)
    if !enforce.ids.isEmpty {
      if isPod {
        decision.allowed = false
        decision.message =
          "\(Self.resource(r.kind)) \(Quoted.quoted(r.name)) is forbidden: violates PodSecurity \"\(modes.enforce)\": \(enforce.text)"
      } else {
        decision.warnings.append("would violate PodSecurity \"\(modes.enforce)\": \(enforce.text)")
      }
      decision.violations = enforce.ids
    }
    let warn = modes.warn == modes.enforce ? enforce : evaluate(modes.warn)
    if !warn.ids.isEmpty, !(decision.warnings.contains { $0.hasPrefix("would violate PodSecurity \"\(modes.warn)\"") }) {
      decision.warnings.append("would violate PodSecurity \"\(modes.warn)\": \(warn.text)")
    }
    let audit = modes.audit == modes.enforce ? enforce : evaluate(modes.audit)
    if !audit.ids.isEmpty { decision.auditAnnotations["audit-violations"] = "would violate PodSecurity \"\(modes.audit)\": \(audit.text)" }
    decision.violations = Array(Set(decision.violations + warn.ids + audit.ids)).sorted()
    return decision
  }

  /// A Namespace: its pod-security labels must be valid; they are remembered for the objects in it.
  func namespace(_ r: AdmissionRequest) -> AdmissionDecision {
    let metadata = r.object?["metadata"] as? [String: Any]
    let l = (metadata?["labels"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    for (key, value) in l where key.hasPrefix(Self.labelPrefix) {
      let mode = key.dropFirst(Self.labelPrefix.count)
      let ok = mode.hasSuffix("-version") ? PSSVersion(parsing: value) != nil : PSSLevel(rawValue: value) != nil
      if ["enforce", "warn", "audit", "enforce-version", "warn-version", "audit-version"].contains(String(mode)) && !ok {
        return AdmissionDecision(
          allowed: false,
          message: "namespaces \(Quoted.quoted(r.name)) is forbidden: invalid value \(Quoted.quoted(value)) for label \(key)",
          violations: ["pod-security.label"])
      }
    }
    if r.operation == "DELETE" {
      lock.withLock { labels[r.name] = nil }
    } else if !r.name.isEmpty {
      lock.withLock { labels[r.name] = l }
    }
    return AdmissionDecision(allowed: true)
  }

  /// `spec.runtimeClassName` of the pod or of the workload's pod template.
  static func runtimeClass(_ r: AdmissionRequest) -> String? {
    var spec = r.object?["spec"] as? [String: Any]
    if r.kind == "CronJob" { spec = ((spec?["jobTemplate"] as? [String: Any])?["spec"]) as? [String: Any] }
    if r.kind != "Pod" { spec = ((spec?["template"] as? [String: Any])?["spec"]) as? [String: Any] }
    return spec?["runtimeClassName"] as? String
  }

  /// `pods`, `deployments`, ...: the resource name PSA's messages use.
  static func resource(_ kind: String) -> String {
    kind.isEmpty ? "objects" : kind.prefix(1).lowercased() + kind.dropFirst() + "s"
  }
}
