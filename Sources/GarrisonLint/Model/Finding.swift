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
  // `severity` is declared before `checkID` so the memberwise initializer (`init(severity:checkID:...)`) is not the
  // public one: the public one delegates to it. Built field by field (`self.x = x`), a finding was made twice and
  // copied once per `append` (a copy and a destroy of a dozen reference-counted fields each); the memberwise
  // initializer builds it in place. The JSON and SARIF encoders sort keys, so the order changes no output.
  public var severity: Severity
  /// The check ID, e.g. `pss.privileged` or `hardening.readOnlyRootFilesystem`.
  public var checkID: String
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

  /// Orders findings by file, line, column, then check ID and message, so output is stable.
  public static func ordered(_ a: Finding, _ b: Finding) -> Bool { SortKey(a) < SortKey(b) }

  /// Sorts with precomputed keys, moving each finding once (they are large values). The sort is stable; input
  /// already in order (the engine orders each object's findings) is returned as is.
  public static func sorted(_ findings: [Finding]) -> [Finding] {
    if isOrdered(findings, from: 0) { return findings }
    let keys = findings.map(SortKey.init)
    return keys.indices.sorted { keys[$0] < keys[$1] }.map { findings[$0] }
  }

  /// Sorts `findings[start...]` in place, as `sorted` would (stable): a few findings (one object's) by insertion
  /// of their indices, compared in place, then moved once into their order; more with `sorted`.
  static func sortInPlace(_ findings: inout [Finding], from start: Int) {
    guard findings.count - start > 1, !isOrdered(findings, from: start) else { return }
    if findings.count - start > 64 {
      let tail = sorted(Array(findings[start...]))
      findings.replaceSubrange(start..., with: tail)
      return
    }
    findings.withUnsafeMutableBufferPointer { buf in
      guard let base = buf.baseAddress else { return }
      let n = buf.count - start
      var order = Array(0..<n)
      for i in 1..<n {
        var j = i
        // Strictly less: equal findings keep their order.
        while j > 0 && precedes(base + start + order[j], base + start + order[j - 1]) {
          order.swapAt(j, j - 1)
          j -= 1
        }
      }
      // Each finding moved once, without copies of its fields.
      let moved = UnsafeMutablePointer<Finding>.allocate(capacity: n)
      defer { moved.deallocate() }
      moved.moveInitialize(from: base + start, count: n)
      for (k, i) in order.enumerated() { (base + start + k).initialize(to: (moved + i).move()) }
    }
  }

  /// Whether `findings[start...]` is already in report order (no pair out of order).
  static func isOrdered(_ findings: [Finding], from start: Int) -> Bool {
    findings.withUnsafeBufferPointer { buf in
      guard let base = buf.baseAddress else { return true }
      var i = start + 1
      while i < buf.count {
        if precedes(base + i, base + i - 1) { return false }
        i += 1
      }
      return true
    }
  }

  /// `SortKey(a) < SortKey(b)` without building the keys.
  static func precedes(_ a: Finding, _ b: Finding) -> Bool {
    withUnsafePointer(to: a) { pa in withUnsafePointer(to: b) { pb in precedes(pa, pb) } }
  }

  /// `precedes` on findings in place: their fields are read where they are, not copied out with the whole value.
  static func precedes(_ a: UnsafePointer<Finding>, _ b: UnsafePointer<Finding>) -> Bool {
    let al = a.pointee.location, bl = b.pointee.location
    if let al, let bl {
      if al.file != bl.file { return al.file < bl.file }
      if al.line != bl.line { return al.line < bl.line }
      if al.column != bl.column { return al.column < bl.column }
    } else {
      let af = al?.file ?? "", bf = bl?.file ?? ""
      if af != bf { return af < bf }
      let aLine = al?.line ?? 0, bLine = bl?.line ?? 0
      if aLine != bLine { return aLine < bLine }
      let ac = al?.column ?? 0, bc = bl?.column ?? 0
      if ac != bc { return ac < bc }
    }
    if a.pointee.checkID != b.pointee.checkID { return a.pointee.checkID < b.pointee.checkID }
    return a.pointee.message < b.pointee.message
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

extension Finding {
  public init(
    checkID: String, severity: Severity, object: ObjectRef? = nil, container: String? = nil, image: String? = nil,
    field: FieldPath? = nil, location: SourceLocation? = nil, message: String, remediation: String? = nil,
    policy: AppliedPolicy? = nil
  ) {
    self.init(
      severity: severity, checkID: checkID, object: object, container: container, image: image, field: field,
      location: location, message: message, remediation: remediation, policy: policy)
  }
}
