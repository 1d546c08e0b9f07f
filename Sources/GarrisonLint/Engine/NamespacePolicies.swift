import GarrisonCore
import GarrisonManifest

/// The Pod Security Standards policy of each Namespace in the input, from its
/// `pod-security.kubernetes.io/enforce` and `enforce-version` labels. Like the admission controller, an
/// invalid level means restricted and an invalid version means latest; both are reported.
public struct NamespacePolicies: Sendable {
  public static let levelLabel = "pod-security.kubernetes.io/enforce"
  public static let versionLabel = "pod-security.kubernetes.io/enforce-version"

  /// Namespace name -> (level, version) from labels; either may be absent.
  public private(set) var labels: [String: (level: PSSLevel?, version: PSSVersion?)] = [:]
  /// Findings about invalid label values.
  public private(set) var findings: [Finding] = []

  public init(objects: [ManifestObject]) {
    for o in objects where o.kind == "Namespace" {
      guard let name = o.metadata.name else { continue }
      var level: PSSLevel?
      var version: PSSVersion?
      if let raw = o.metadata.labels[Self.levelLabel] {
        level = PSSLevel(rawValue: raw) ?? .restricted
        if PSSLevel(rawValue: raw) == nil { report(o, Self.levelLabel, raw, "must be one of privileged, baseline, restricted; using restricted") }
      }
      if let raw = o.metadata.labels[Self.versionLabel] {
        version = PSSVersion(parsing: raw) ?? .latest
        if PSSVersion(parsing: raw) == nil { report(o, Self.versionLabel, raw, "must be \"latest\" or \"v1.x\"; using latest") }
      }
      if level != nil || version != nil { labels[name] = (level, version) }
    }
  }

  private mutating func report(_ o: ManifestObject, _ label: String, _ value: String, _ why: String) {
    let field = (FieldPath("metadata") / "labels").appending(key: label)
    findings.append(
      Finding(
        checkID: "garrison.namespaceLabel", severity: .warning,
        object: ObjectRef(kind: o.kind, namespace: nil, name: o.metadata.name ?? ""), field: field,
        location: o.location(of: field), message: "invalid \(label) \"\(value)\": \(why)"))
  }

  /// The policy for an object in `namespace`, combining labels with the options (explicit flags win).
  public func policy(for namespace: String, options: LintOptions) -> PSSPolicy {
    let ns = labels[namespace]
    let level = options.levelIsExplicit ? options.level : (ns?.level ?? options.level)
    let version = options.versionIsExplicit ? options.version : (ns?.version ?? options.version)
    return PSSPolicy(level: level, version: version)
  }
}
