import GarrisonCore
import GarrisonManifest

/// The Pod Security Standards policy an object was checked against, and where it came from.
public struct AppliedPolicy: Hashable, Codable, Sendable, CustomStringConvertible {
  public var level: PSSLevel
  public var version: PSSVersion
  /// `default`, `command line`, the config file, or `Namespace <name> (<file:line:col>)` when a
  /// `pod-security.kubernetes.io/enforce[-version]` label decided the level or the version.
  public var source: String
  /// Whether a Namespace label decided the level or the version.
  public var fromNamespaceLabel: Bool

  public init(level: PSSLevel, version: PSSVersion, source: String, fromNamespaceLabel: Bool = false) {
    self.level = level
    self.version = version
    self.source = source
    self.fromNamespaceLabel = fromNamespaceLabel
  }

  public var pss: PSSPolicy { PSSPolicy(level: level, version: version) }
  /// `baseline:v1.25 (Namespace apps (ns.yaml:1:1))`.
  public var description: String { "\(pss) (\(source))" }

  enum CodingKeys: String, CodingKey { case level, version, source }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    level = try c.decode(PSSLevel.self, forKey: .level)
    version = try c.decode(PSSVersion.self, forKey: .version)
    source = try c.decode(String.self, forKey: .source)
    fromNamespaceLabel = source.hasPrefix("Namespace ")
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(level, forKey: .level)
    try c.encode(version, forKey: .version)
    try c.encode(source, forKey: .source)
  }
}

/// The Pod Security Standards policy of each Namespace in the input, from its
/// `pod-security.kubernetes.io/enforce` and `enforce-version` labels. Like the admission controller, an
/// invalid level means restricted and an invalid version means latest; both are reported.
///
/// A Namespace object governs the objects of that namespace in its own file and in the files of its
/// directory and below (how `kubectl apply -f DIR` and kustomize bases group a namespace with its workloads):
/// never an unrelated file elsewhere in the same run. The nearest one wins: the same file, then the deepest
/// directory, then the first read. Standard input is its own file with no directory.
public struct NamespacePolicies: Sendable {
  public static let levelLabel = "pod-security.kubernetes.io/enforce"
  public static let versionLabel = "pod-security.kubernetes.io/enforce-version"

  /// One labelled Namespace object.
  struct Labels: Sendable {
    var level: PSSLevel?
    var version: PSSVersion?
    var file: String
    /// The directory it governs ("" for the working directory; nil for standard input: its own file only).
    var directory: String?
    var source: String
  }

  /// Namespace name -> its labelled Namespace objects, in input order.
  private var labels: [String: [Labels]] = [:]
  /// Findings about invalid label values.
  public private(set) var findings: [Finding] = []

  public init(objects: [ManifestObject]) {
    for o in objects where o.kind == "Namespace" {
      guard let name = o.metadata.name else { continue }
      var level: PSSLevel?
      var version: PSSVersion?
      if let raw = o.metadata.labels[Self.levelLabel] {
        level = PSSLevel(rawValue: raw) ?? .restricted
        if PSSLevel(rawValue: raw) == nil {
          report(o, Self.levelLabel, raw, "must be one of privileged, baseline, restricted; using restricted")
        }
      }
      if let raw = o.metadata.labels[Self.versionLabel] {
        version = PSSVersion(parsing: raw) ?? .latest
        if PSSVersion(parsing: raw) == nil { report(o, Self.versionLabel, raw, "must be \"latest\" or \"v1.x\"; using latest") }
      }
      guard level != nil || version != nil else { continue }
      let file = o.location.file
      labels[name, default: []].append(
        Labels(
          level: level, version: version, file: file, directory: Self.directory(of: file),
          source: "Namespace \(name) (\(o.location))"))
    }
  }

  /// The directory a file is in: "" for a bare name, nil for standard input.
  static func directory(of file: String) -> String? {
    if file == "-" { return nil }
    guard let slash = file.lastIndex(of: "/") else { return "" }
    return String(file[..<slash])
  }

  /// Whether a Namespace read from `l` governs an object read from `file`, and how near it is (higher: nearer).
  static func nearness(_ l: Labels, _ file: String) -> Int? {
    if l.file == file { return Int.max }
    guard let dir = l.directory, file != "-" else { return nil }
    if dir.isEmpty { return file.hasPrefix("/") ? nil : 0 }
    return file.hasPrefix(dir + "/") ? dir.utf8.count + 1 : nil
  }

  private mutating func report(_ o: ManifestObject, _ label: String, _ value: String, _ why: String) {
    let field = (FieldPath("metadata") / "labels").appending(key: label)
    findings.append(
      Finding(
        checkID: "garrison.namespaceLabel", severity: .warning,
        object: ObjectRef(kind: o.kind, namespace: nil, name: o.metadata.name ?? ""), field: field,
        location: o.location(of: field), message: "invalid \(label) \"\(value)\": \(why)"))
  }

  /// The policy for an object in `namespace` when every labelled Namespace given governs it (no file scope):
  /// for callers whose Namespace objects come from the cluster, not from files next to the object.
  public func policy(for namespace: String, options: LintOptions) -> PSSPolicy {
    let ns = options.namespaceLabels ? labels[namespace]?.first : nil
    let level = options.levelIsExplicit ? options.level : (ns?.level ?? options.level)
    let version = options.versionIsExplicit ? options.version : (ns?.version ?? options.version)
    return PSSPolicy(level: level, version: version)
  }

  /// The policy for `object`, combining the labels of the Namespace that governs it with the options
  /// (explicit flags win; `--namespace-labels=ignore` leaves labels out).
  public func policy(for object: ManifestObject, options: LintOptions) -> AppliedPolicy {
    policy(namespace: object.namespace, file: object.location.file, options: options)
  }

  /// `policy(for:options:)` of an object in `namespace` written in `file` (what it reads of the object).
  func policy(namespace: String, file: String, options: LintOptions) -> AppliedPolicy {
    var best: (labels: Labels, nearness: Int)?
    if options.namespaceLabels {
      for l in labels[namespace] ?? [] {
        guard let n = Self.nearness(l, file) else { continue }
        if best == nil || n > best!.nearness { best = (l, n) }
      }
    }
    let ns = best?.labels
    let levelFromLabel = !options.levelIsExplicit && ns?.level != nil
    let versionFromLabel = !options.versionIsExplicit && ns?.version != nil
    let level = levelFromLabel ? ns!.level! : options.level
    let version = versionFromLabel ? ns!.version! : options.version
    guard let ns, levelFromLabel || versionFromLabel else {
      return AppliedPolicy(level: level, version: version, source: options.policySource)
    }
    var source = ns.source
    if !levelFromLabel { source = "level \(options.policySource), version " + source }
    if !versionFromLabel { source += ", version \(options.policySource)" }
    return AppliedPolicy(level: level, version: version, source: source, fromNamespaceLabel: true)
  }
}
