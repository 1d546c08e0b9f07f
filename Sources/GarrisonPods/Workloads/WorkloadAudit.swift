import GarrisonAudit
import GarrisonCore

/// The workload controllers' audit events: `workload.scaled`, `workload.rollout_started`,
/// `workload.rollout_completed` (object: the namespace; the workload is in the details) and `pod.replaced`
/// (object: the pod).
extension PodAudit {
  public func workload(_ kind: AuditKind, _ w: WorkloadObject, details: JSONValue) throws {
    try append([AuditEvent(kind: kind, outcome: .allowed, object: AuditObject(namespace: w.namespace), details: details)])
  }

  public func podReplaced(namespace: String, pod: String, workload: String, reason: String) throws {
    try append([
      AuditEvent(
        kind: .podReplaced, outcome: .error, object: AuditObject(namespace: namespace, pod: pod),
        details: AuditDetails.podReplaced(workload: workload, reason: reason))
    ])
  }
}
