import GarrisonCore

/// The object a finding is about: `Kind namespace/name`.
public struct ObjectRef: Hashable, Codable, Sendable, CustomStringConvertible, Comparable {
  public var kind: String
  public var namespace: String?
  public var name: String

  public init(kind: String, namespace: String? = nil, name: String) {
    self.kind = kind
    self.namespace = namespace
    self.name = name
  }

  /// `Deployment web/frontend`, or `Namespace prod` for cluster-scoped objects.
  public var description: String {
    if let namespace, !namespace.isEmpty { return "\(kind) \(namespace)/\(name)" }
    return "\(kind) \(name)"
  }

  public static func < (lhs: ObjectRef, rhs: ObjectRef) -> Bool { lhs.description < rhs.description }
}

/// One problem found by `garrison lint`: which check, how serious, where (object, container,
/// field path, `file:line:col`), a one-line message and how to fix it.
public struct Finding: Hashable, Codable, Sendable {
  /// The check ID, e.g. `pss.privileged` or `hardening.readOnlyRootFilesystem`.
  public var checkID: String
  public var severity: Severity
  /// The object; `nil` for findings about the input itself (parse errors) or the configuration.
  public var object: ObjectRef?
  /// The container the finding is about, when there is one.
  public var container: String?
  /// That container's image (exemptions can match it).
  public var image: String?
  /// The field (absolute within the object) the finding points at.
  public var field: FieldPath?
  /// Where the field is (or its nearest present ancestor when the field is absent).
  public var location: SourceLocation?
  /// One line, e.g. `privileged (container "app" must not set securityContext.privileged=true)`.
  public var message: String
  /// How to fix it (from the rule catalog unless the check gave a specific one).
  public var remediation: String?
  /// The Pod Security Standards policy the object was checked against and where it came from (findings about
  /// a pod-bearing object).
  public var policy: AppliedPolicy?

  public init(
    checkID: String, severity: Severity, object: ObjectRef? = nil, container: String? = nil, image: String? = nil,
    field: FieldPath? = nil, location: SourceLocation? = nil, message: String, remediation: String? = nil
  ) {
    self.checkID = checkID
    self.severity = severity
    self.object = object
    self.container = container
    self.image = image
    self.field = field
    self.location = location
    self.message = message
    self.remediation = remediation
  }

  /// Orders findings by file, line, column, then check ID and message, so output is stable.
  public static func ordered(_ a: Finding, _ b: Finding) -> Bool { SortKey(a) < SortKey(b) }

  /// Sorts with precomputed keys, moving each finding once (they are large values).
  public static func sorted(_ findings: [Finding]) -> [Finding] {
    let keys = findings.map(SortKey.init)
    return keys.indices.sorted { keys[$0] < keys[$1] }.map { findings[$0] }
  }

  struct SortKey: Comparable {
    var file: String
    var line: Int
    var column: Int
    var checkID: String
    var message: String
    init(_ f: Finding) {
      file = f.location?.file ?? ""
      line = f.location?.line ?? 0
      column = f.location?.column ?? 0
      checkID = f.checkID
      message = f.message
    }
    static func < (a: SortKey, b: SortKey) -> Bool {
      if a.file != b.file { return a.file < b.file }
      if a.line != b.line { return a.line < b.line }
      if a.column != b.column { return a.column < b.column }
      if a.checkID != b.checkID { return a.checkID < b.checkID }
      return a.message < b.message
    }
  }
}
