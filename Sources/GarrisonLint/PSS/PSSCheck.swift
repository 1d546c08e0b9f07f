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

  public var message: String { detail.isEmpty ? reason : Words.concat(reason, " (", detail, ")") }
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
  public let containers: [PodContainer]

  public init(object: ManifestObject, pod: PodTemplate) {
    self.object = object
    self.pod = pod
    var containers: [PodContainer] = []
    let spec = pod.spec
    containers.reserveCapacity(spec.initContainers.count + spec.containers.count + spec.ephemeralContainers.count)
    spec.forEachContainer(under: pod.specPath) { containers.append(PodContainer(role: $0, container: $1, path: $2)) }
    self.containers = containers
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

/// One container of a pod as the checks see it: its role, the container, and its absolute field path. A struct,
/// not a tuple: the checks copy these out of the list many times per pod, and a tuple of these types was copied
/// and destroyed through the runtime's generic tuple witnesses.
public struct PodContainer: Sendable {
  public var role: ContainerRole
  public var container: Container
  public var path: FieldPath
}

/// Message helpers matching the admission controller's wording.
enum Words {
  /// The parts one after another, made in one allocation: string interpolation grows its buffer piece by piece,
  /// which was most of the cost of a finding's message.
  static func concat(_ parts: String...) -> String {
    var total = 0
    for p in parts { total += p.utf8.count }
    return String(unsafeUninitializedCapacity: total) { buffer in
      var n = 0
      for p in parts {
        func put(_ u: UnsafeBufferPointer<UInt8>) {
          guard let base = u.baseAddress, !u.isEmpty else { return }
          (buffer.baseAddress! + n).initialize(from: base, count: u.count)
          n += u.count
        }
        if p.utf8.withContiguousStorageIfAvailable(put) == nil {
          var p = p
          p.withUTF8(put)
        }
      }
      return n
    }
  }

  static func quote(_ items: [String]) -> String {
    items.isEmpty ? "" : "\"" + items.joined(separator: "\", \"") + "\""
  }
  static func plural(_ singular: String, _ plural: String, _ n: Int) -> String { n == 1 ? singular : plural }
  static func container(_ name: String) -> String { concat("container \"", name, "\"") }
  /// Go's `%q` for the strings that occur here (quotes and backslashes escaped).
  static func goQuote(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }
}
