import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// One violation of a Pod Security Standards check by one setter (the pod, a container, a volume, an
/// annotation), with the field it is about. The message reads like the admission warning for that setter:
/// `reason (detail)`.
public struct PSSViolation: Sendable, Equatable {
  /// The admission controller's forbidden reason, e.g. `privileged`.
  public var reason: String
  /// The detail for this setter, e.g. `container "app" must not set securityContext.privileged=true`.
  public var detail: String
  public var container: String?
  public var field: FieldPath

  public var message: String { detail.isEmpty ? reason : "\(reason) (\(detail))" }
}

/// One version of a check: from which policy version it applies, the baseline checks it replaces at the
/// restricted level, and the decision.
public struct VersionedPSSCheck: Sendable {
  public var minimumMinor: Int
  public var overrides: [String]
  public var evaluate: @Sendable (PodContext) -> [PSSViolation]

  init(_ minimumMinor: Int, overrides: [String] = [], _ evaluate: @escaping @Sendable (PodContext) -> [PSSViolation]) {
    self.minimumMinor = minimumMinor
    self.overrides = overrides
    self.evaluate = evaluate
  }
}

/// A Pod Security Standards check as pod-security-admission defines it: an ID, a level and versions in
/// increasing order. The Garrison check ID is `pss.<id>`.
public struct PSSCheck: Sendable {
  public var id: String { didSet { checkID = "pss." + id } }
  public var level: PSSLevel
  public var versions: [VersionedPSSCheck]

  /// `pss.<id>`, made once (every finding of the check carries it).
  public private(set) var checkID: String

  init(id: String, level: PSSLevel, versions: [VersionedPSSCheck]) {
    self.id = id
    self.level = level
    self.versions = versions
    self.checkID = "pss." + id
  }

  /// The version of the check in force at policy version `minor`, if any.
  public func version(at minor: Int) -> VersionedPSSCheck? {
    versions.last { $0.minimumMinor <= minor }
  }
}

/// What a check sees of one pod: the object (for positions), the pod template, and absolute field paths.
public struct PodContext: Sendable {
  public let object: ManifestObject
  public let pod: PodTemplate

  /// Containers in the order the admission controller visits them (init, regular, ephemeral), with
  /// absolute paths. Computed once: every check walks them.
  public let containers: [(role: ContainerRole, container: Container, path: FieldPath)]

  public init(object: ManifestObject, pod: PodTemplate) {
    self.object = object
    self.pod = pod
    self.containers = pod.spec.allContainers(under: pod.specPath)
  }

  public var spec: PodSpec { pod.spec }
  public var meta: ObjectMeta { pod.metadata }
  public var specPath: FieldPath { pod.specPath }

  /// `spec.securityContext` (absolute).
  public var podSecurityContextPath: FieldPath { specPath / "securityContext" }

  /// Path of an annotation of the pod metadata.
  public func annotationPath(_ key: String) -> FieldPath { (pod.metadataPath / "annotations").appending(key: key) }

  /// Whether the pod is in a user namespace (`hostUsers: false`), which relaxes some checks from v1.35.
  public var isUserNamespacePod: Bool { spec.hostUsers == false }

  /// Whether `spec.os.name` is `windows`, which exempts some restricted checks from v1.25.
  public var isWindowsPod: Bool { spec.os?.name == "windows" }
}

/// Message helpers matching the admission controller's wording.
enum Words {
  static func quote(_ items: [String]) -> String {
    items.isEmpty ? "" : "\"" + items.joined(separator: "\", \"") + "\""
  }
  static func plural(_ singular: String, _ plural: String, _ n: Int) -> String { n == 1 ? singular : plural }
  static func container(_ name: String) -> String { "container \"\(name)\"" }
  /// Go's `%q` for the strings that occur here (quotes and backslashes escaped).
  static func goQuote(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }
}
