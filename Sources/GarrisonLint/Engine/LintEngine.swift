import Foundation
import GarrisonCore
import GarrisonManifest

/// Runs every check over loaded manifests and produces a report: Pod Security Standards at each object's
/// level and version, hardening checks, then exemptions (annotations and config), de-duplication and
/// unused-exemption findings.
public struct LintEngine: Sendable {
  public var catalog: RuleCatalog
  public var options: LintOptions

  public init(catalog: RuleCatalog, options: LintOptions) {
    self.catalog = catalog
    self.options = options
  }

  /// The annotation listing check IDs to ignore on an object (or its pod template).
  public static let ignoreAnnotation = "garrison.io/ignore"
  /// The annotation giving the reason.
  public static let ignoreReasonAnnotation = "garrison.io/ignore-reason"

  public func lint(_ load: LoadResult, files: [String]) -> LintReport {
    var findings = inputFindings(load)
    let objects = load.partial.isEmpty ? load.objects : load.objects + load.partial
    let namespaces = NamespacePolicies(objects: objects)
    findings += namespaces.findings

    var suppressed: [SuppressedFinding] = []
    var configUse = [Int](repeating: 0, count: options.exemptions.count)
    // Objects are checked in parallel batches; results are merged in input order.
    let plan = CheckPlan(objects: objects, namespaces: namespaces, options: options, catalog: catalog)
    let batchSize = 64
    let batches = stride(from: 0, to: objects.count, by: batchSize).map { $0..<min($0 + batchSize, objects.count) }
    var results = Parallel.map(batches) { batch in checkObjects(objects, batch, plan: plan) }
    for i in findings.indices where findings[i].remediation == nil {
      findings[i].remediation = catalog[findings[i].checkID]?.remediation
    }
    findings.reserveCapacity(findings.count + results.reduce(0) { $0 + $1.kept.count } + options.exemptions.count)
    for b in results.indices {
      findings += results[b].kept
      suppressed += results[b].suppressed
      for i in results[b].configUse.indices { configUse[i] += results[b].configUse[i] }
      // Each batch's findings are released once copied: they are not held twice until the report is built.
      results[b] = ObjectFindings(kept: [], suppressed: [], configUse: [])
    }
    for (i, e) in options.exemptions.enumerated() where configUse[i] == 0 {
      findings.append(
        Finding(
          checkID: "garrison.unusedExemption", severity: .info, location: e.location,
          message: "exemption #\(i + 1) in \(e.location.file) (\(e.summary)) suppressed nothing",
          remediation: catalog["garrison.unusedExemption"]?.remediation))
    }
    var report = LintReport(
      findings: findings, suppressed: suppressed, objectCount: objects.count, files: files,
      policy: PSSPolicy(level: options.level, version: options.version), hasInputErrors: !load.documentErrors.isEmpty)
    report.objectsByNamespaceLabel = plan.byNamespaceLabel
    return report
  }

  /// Findings about the input itself, in report order before sorting: documents that did not parse or could
  /// not be modelled, the API-validation errors of objects the API server would refuse (each still checked like
  /// any other), unknown fields.
  func inputFindings(_ load: LoadResult) -> [Finding] {
    var findings: [Finding] = []
    for e in load.documentErrors {
      findings.append(
        Finding(
          checkID: "garrison.parseError", severity: .error, field: e.fieldPath, location: e.location,
          message: e.message))
    }
    let apiSeverity = catalog["api.invalid"]?.severity ?? .error
    for o in load.partial {
      let ref = ObjectRef(kind: o.kind, namespace: o.namespace, name: o.name)
      for e in o.validationErrors {
        // An error without a position of its own points at its object.
        findings.append(
          Finding(
            checkID: "api.invalid", severity: apiSeverity, object: ref, field: e.fieldPath, location: e.location ?? o.location,
            message: e.message))
      }
    }
    if options.isEnabled("garrison.unknownField") {
      for w in load.warnings {
        findings.append(
          Finding(
            checkID: "garrison.unknownField", severity: .warning, field: w.fieldPath, location: w.location,
            message: w.message))
      }
    }
    return findings
  }

  /// What the options and the catalog say of one check: whether it runs, its severity and its remediation.
  struct CheckSettings: Sendable {
    var enabled: Bool
    var severity: Severity
    var remediation: String?
  }

  /// Every check's settings, looked up once per run instead of once per object (each lookup hashes the check
  /// ID and copies the catalog's rule): the hardening checks in `HardeningRegistry.checks`' order, the PSS
  /// checks by ID.
  struct CheckTable: Sendable {
    var hardening: [CheckSettings]
    var pss: [String: CheckSettings]

    init(options: LintOptions, catalog: RuleCatalog) {
      func settings(_ id: String, _ fallback: Severity) -> CheckSettings {
        let rule = catalog[id]
        return CheckSettings(enabled: options.isEnabled(id), severity: rule?.severity ?? fallback, remediation: rule?.remediation)
      }
      hardening = HardeningRegistry.checks.map { settings($0.id, .warning) }
      var pss: [String: CheckSettings] = [:]
      for c in PSSRegistry.checks { pss[c.checkID] = settings(c.checkID, .error) }
      self.pss = pss
    }
  }

  /// The policy of each object and the active checks of each policy (computed once per policy).
  struct CheckPlan: Sendable {
    var policies: [AppliedPolicy]
    var active: [PSSPolicy: [(check: PSSCheck, version: VersionedPSSCheck)]] = [:]
    /// How many pod-bearing objects a Namespace label set the policy of.
    var byNamespaceLabel = 0
    var table: CheckTable

    /// `table`: the checks' settings when already looked up (a streamed run looks them up once, not per file).
    init(
      objects: [ManifestObject], namespaces: NamespacePolicies, options: LintOptions, catalog: RuleCatalog, table: CheckTable? = nil
    ) {
      self.table = table ?? CheckTable(options: options, catalog: catalog)
      policies = []
      policies.reserveCapacity(objects.count)
      // By index: each object read in place, not copied out (only its namespace and file are passed).
      for i in objects.indices {
        let policy = namespaces.policy(namespace: objects[i].namespace, file: objects[i].location.file, options: options)
        if active[policy.pss] == nil { active[policy.pss] = PSSRegistry.active(policy.pss) }
        if objects[i].pod != nil && policy.fromNamespaceLabel { byNamespaceLabel += 1 }
        policies.append(policy)
      }
    }
  }

  /// What checking some objects found: kept findings (each object's in report order), suppressed findings, and
  /// how often each config exemption applied.
  struct ObjectFindings: Sendable {
    var kept: [Finding]
    var suppressed: [SuppressedFinding]
    /// The index (in `objects`) of the object each suppressed finding is about.
    var suppressedObjects: [Int] = []
    var configUse: [Int]
  }

  /// Checks `objects[range]` (the pod-bearing ones) at the plan's policies, exemptions applied.
  func checkObjects(_ objects: [ManifestObject], _ range: Range<Int>, plan: CheckPlan) -> ObjectFindings {
    var kept: [Finding] = []
    // Room for a dozen findings per object up front: growing the list moved every finding to new memory each time.
    kept.reserveCapacity(12 * min(range.count, 4096))
    var suppressed: [SuppressedFinding] = []
    var suppressedObjects: [Int] = []
    var configUse = [Int](repeating: 0, count: options.exemptions.count)
    for i in range {
      guard objects[i].pod != nil else { continue }
      // The object and its pod are copied once, into the context the checks read (taking them out of the list
      // first copied them again: some forty reference-counted fields each).
      let context = PodContext(object: objects[i], pod: objects[i].pod!)
      let first = kept.count
      let policy = plan.policies[i]
      if options.exemptions.isEmpty && !hasIgnoreAnnotation(object: context.object, pod: context.pod) {
        // Nothing can suppress a finding of this object: they go straight to the list, with the catalog's
        // remediation (what the pass below gives every kept finding).
        check(
          context, active: plan.active[policy.pss]!, table: plan.table, applied: policy, withRemediation: true,
          into: &kept)
      } else {
        var raw: [Finding] = []
        check(
          context, active: plan.active[policy.pss]!, table: plan.table, applied: policy, withRemediation: false,
          into: &raw)
        let exempted = applyExemptions(raw, object: context.object, pod: context.pod, configUse: &configUse)
        kept += exempted.kept
        suppressed += exempted.suppressed
        suppressedObjects += repeatElement(i, count: exempted.suppressed.count)
        for j in first..<kept.count where kept[j].remediation == nil {
          kept[j].remediation = catalog[kept[j].checkID]?.remediation
        }
      }
      // Each object's findings in report order: the report's sort then mostly finds them in order already.
      Finding.sortInPlace(&kept, from: first)
    }
    return ObjectFindings(kept: kept, suppressed: suppressed, suppressedObjects: suppressedObjects, configUse: configUse)
  }

  /// PSS and hardening findings for one pod, before exemptions. A hardening finding on the same field as
  /// a PSS finding is dropped (the PSS one already says it).
  public func check(object: ManifestObject, pod: PodTemplate, policy: PSSPolicy) -> [Finding] {
    var out: [Finding] = []
    check(
      PodContext(object: object, pod: pod), active: PSSRegistry.active(policy),
      table: CheckTable(options: options, catalog: catalog), applied: nil, withRemediation: false, into: &out)
    return out
  }

  /// `check(object:pod:policy:)` of the context's object and pod, with the policy's active checks and the checks'
  /// settings already computed, appending to `out`; each finding gets `applied` as its policy and, with
  /// `withRemediation`, the catalog's remediation. The object is read in the context (`context.object`), not copied
  /// out of it.
  func check(
    _ context: PodContext, active: [(check: PSSCheck, version: VersionedPSSCheck)], table: CheckTable,
    applied: AppliedPolicy?, withRemediation: Bool, into out: inout [Finding]
  ) {
    let ref = ObjectRef(kind: context.object.kind, namespace: context.object.namespace, name: context.object.name)
    // A container's image by name, as a dictionary filled in container order would give it (the last container of
    // that name decides): a pod has a few containers, so they are searched, not hashed.
    func image(_ name: String) -> String? {
      let containers = context.containers
      for i in containers.indices.reversed() where containers[i].container.name == name { return containers[i].container.image }
      return nil
    }
    // The fields PSS findings point at (a few per pod: a list, compared step by step, beats hashing paths).
    var pssFields: [FieldPath] = []
    // `PSSRegistry.evaluate`'s checks and violations, in its order, with the checks and their settings read in place
    // by index (iterating the lists copied each check and its settings out, a dozen retains and releases per pod).
    for k in active.indices {
      let violations = active[k].version.evaluate(context)
      guard !violations.isEmpty else { continue }
      let checkID = active[k].check.checkID
      let settings = table.pss[checkID] ?? CheckSettings(enabled: options.isEnabled(checkID), severity: .error)
      guard settings.enabled else { continue }
      let remediation = withRemediation ? settings.remediation : nil
      for v in violations {
        if !pssFields.contains(v.field) { pssFields.append(v.field) }
        // Made where it is kept (a finding built first and then appended is copied and destroyed).
        out.append(
          Finding(
            checkID: checkID, severity: settings.severity, object: ref, container: v.container,
            image: v.container.flatMap(image), field: v.field, location: context.object.location(of: v.field),
            message: v.message, remediation: remediation, policy: applied))
      }
    }
    let hardening = HardeningRegistry.checks
    for k in hardening.indices where table.hardening[k].enabled {
      let hits = hardening[k].evaluate(context)
      guard !hits.isEmpty else { continue }
      let remediation = withRemediation ? table.hardening[k].remediation : nil
      for hit in hits where !pssFields.contains(hit.field) {
        out.append(
          Finding(
            checkID: hardening[k].id, severity: table.hardening[k].severity, object: ref, container: hit.container,
            image: hit.image, field: hit.field, location: context.object.location(of: hit.field), message: hit.message,
            remediation: remediation, policy: applied))
      }
    }
  }

  /// Whether the object or its pod template carries the ignore annotation (exemptions may apply).
  func hasIgnoreAnnotation(object: ManifestObject, pod: PodTemplate) -> Bool {
    object.metadata.annotations[Self.ignoreAnnotation] != nil || pod.metadata.annotations[Self.ignoreAnnotation] != nil
  }

  /// Splits findings into kept and suppressed, counting config exemption use and reporting unused or
  /// unexplained annotation exemptions.
  func applyExemptions(
    _ findings: [Finding], object: ManifestObject, pod: PodTemplate, configUse: inout [Int]
  ) -> (kept: [Finding], suppressed: [SuppressedFinding]) {
    let ref = ObjectRef(kind: object.kind, namespace: object.namespace, name: object.name)
    // Annotation exemptions: on the object, or on its pod template.
    var annotated: [(ids: Set<String>, reason: String?, field: FieldPath)] = []
    for (meta, path) in [(object.metadata, FieldPath([.field("metadata")])), (pod.metadata, pod.metadataPath)] {
      guard let raw = meta.annotations[Self.ignoreAnnotation] else { continue }
      let ids = Set(raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
      let reason = meta.annotations[Self.ignoreReasonAnnotation]
      let field = (path / "annotations").appending(key: Self.ignoreAnnotation)
      if annotated.contains(where: { $0.field == field }) { continue }
      annotated.append((ids, reason, field))
    }
    var kept: [Finding] = []
    var suppressed: [SuppressedFinding] = []
    var usedIDs: Set<String> = []
    for f in findings {
      if let a = annotated.first(where: { $0.ids.contains(f.checkID) }) {
        usedIDs.insert(f.checkID)
        suppressed.append(SuppressedFinding(finding: f, source: "annotation", reason: a.reason))
        continue
      }
      if let i = options.exemptions.firstIndex(where: { $0.covers(f, namespace: object.namespace, image: f.image) }) {
        configUse[i] += 1
        suppressed.append(SuppressedFinding(finding: f, source: "config", reason: options.exemptions[i].reason))
        continue
      }
      kept.append(f)
    }
    for a in annotated {
      let location = object.location(of: a.field)
      // IDs of checks turned off in this run (e.g. hardening with --no-hardening) are not "unused".
      for id in a.ids.sorted() where !usedIDs.contains(id) && options.isEnabled(id) {
        let known = catalog[id] != nil
        kept.append(
          Finding(
            checkID: "garrison.unusedExemption", severity: .info, object: ref, field: a.field, location: location,
            message: known
              ? "\(Self.ignoreAnnotation) lists \(id) but the object has no such finding"
              : "\(Self.ignoreAnnotation) lists \(id), which is not a known check"))
      }
      if (a.reason ?? "").isEmpty {
        kept.append(
          Finding(
            checkID: "garrison.exemptionWithoutReason", severity: .warning, object: ref, field: a.field, location: location,
            message: "\(Self.ignoreAnnotation) has no \(Self.ignoreReasonAnnotation) annotation"))
      }
    }
    return (kept, suppressed)
  }
}
