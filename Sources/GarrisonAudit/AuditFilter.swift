import GarrisonCore
/// Which records a report, tail or export covers.
public struct AuditFilter: Sendable, Hashable {
  public var since: AuditTime?
  public var until: AuditTime?
  public var namespace: String?
  public var pod: String?
  /// Empty means all kinds.
  public var kinds: Set<AuditKind>

  public init(
    since: AuditTime? = nil, until: AuditTime? = nil, namespace: String? = nil, pod: String? = nil,
    kinds: Set<AuditKind> = []
  ) {
    self.since = since; self.until = until; self.namespace = namespace; self.pod = pod; self.kinds = kinds
  }

  /// Whether `r` passes every given condition (`since` inclusive, `until` exclusive).
  public func matches(_ r: AuditRecord) -> Bool {
    if let since, r.time < since { return false }
    if let until, !(r.time < until) { return false }
    if let namespace, r.object.namespace != namespace { return false }
    if let pod, r.object.pod != pod { return false }
    if !kinds.isEmpty && !kinds.contains(r.kind) { return false }
    return true
  }
}
