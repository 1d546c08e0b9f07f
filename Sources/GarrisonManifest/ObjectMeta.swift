import GarrisonCore

/// `metadata` of an object or of a pod template.
public struct ObjectMeta: Equatable, Sendable {
  public var name: String?
  public var generateName: String?
  public var namespace: String?
  public var uid: String?
  public var labels: [String: String] = [:]
  public var annotations: [String: String] = [:]
  public init(name: String? = nil, namespace: String? = nil) {
    self.name = name
    self.namespace = namespace
  }

  static let ignoredFields = [
    "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
    "ownerReferences", "finalizers", "managedFields", "selfLink",
  ]

  /// Decodes `metadata`. `kind` is the object's kind, whose name rule applies (Kubernetes' `ValidateObjectMeta`
  /// with that kind's `Validate*Name`); nil for a pod template's metadata, whose name and namespace the API
  /// server does not validate (nor use).
  static func decode(_ r: NodeReader, kind: String?) throws -> ObjectMeta {
    var m = ObjectMeta(name: try r.string("name"), namespace: try r.string("namespace"))
    m.generateName = try r.string("generateName")
    m.uid = try r.string("uid")
    m.labels = try r.stringMap("labels")
    m.annotations = try r.stringMap("annotations")
    r.ignore(ignoredFields)
    guard let kind else { return m }
    try m.validateUID(r)
    let rule = KubernetesNames.nameRule(forKind: kind)
    if let g = m.generateName, !g.isEmpty {
      let errs = KubernetesNames.errors(g, rule, prefix: true)
      if !errs.isEmpty { r.report(r.invalid(r.path / "generateName", KubernetesNames.invalid(g, errs))) }
    }
    if let n = m.name, !n.isEmpty {
      try r.checkName(n, rule, r.path / "name")
      // batch/v1 ValidateCronJob: the controller appends an 11-character suffix to make a Job name (a label).
      if kind == "CronJob" && n.utf8.count > 52 {
        r.report(r.invalid(r.path / "name", KubernetesNames.invalid(n, ["must be no more than 52 characters"])))
      }
    } else if (m.generateName ?? "").isEmpty {
      r.report(r.invalid(r.path / "name", "Required value: name or generateName is required"))
    }
    if KubernetesNames.clusterScopedKinds.contains(kind) {
      // The API server clears the namespace of a cluster-scoped object rather than refusing it.
      m.namespace = nil
    } else if let ns = m.namespace, !ns.isEmpty {
      try r.checkName(ns, .dnsLabel, r.path / "namespace")
    } else {
      m.namespace = nil
    }
    return m
  }

  /// The API server replaces a client's `uid`; Garrison keeps it (a pod's cgroup and veth names derive from it),
  /// so it must be usable as one path segment.
  func validateUID(_ r: NodeReader) throws {
    guard let uid else { return }
    try r.checkNoNUL(uid, r.path / "uid")
    let errs = uid.isEmpty ? ["must not be empty"] : KubernetesNames.pathSegmentErrors(uid)
    if !errs.isEmpty { r.report(r.invalid(r.path / "uid", KubernetesNames.invalid(uid, errs))) }
  }
}
