import GarrisonPlan
import GarrisonPods

/// Garrison's own security families (`garrison_` prefix): what the pods' plans grant (privileged containers, added
/// capabilities, no_new_privs off) for pods that are not finished, and what the audit log recorded (seccomp
/// denials, attestation read-backs, exec and port-forward sessions, admission decisions, records by kind).
enum SecurityMetrics {
  static let defaultCapabilities = Set(GarrisonPlan.Capability.containerdDefault.map(\.name))

  static func families(_ views: [PodView], audit: AuditCounters) -> [MetricFamily] {
    var privileged = MetricFamily("garrison_privileged_containers", .gauge, "Containers of unfinished pods that run privileged.")
    var privilegedByContainer = MetricFamily("garrison_container_privileged", .gauge, "1 when the container runs privileged.")
    var added = MetricFamily(
      "garrison_containers_with_added_capability", .gauge,
      "Containers of unfinished pods whose bounding set holds a capability beyond containerd's default set, by capability.")
    var noNNP = MetricFamily(
      "garrison_containers_without_no_new_privs", .gauge, "Containers of unfinished pods started without no_new_privs.")
    var noNNPByContainer = MetricFamily(
      "garrison_container_no_new_privs", .gauge, "1 when the container's processes run with no_new_privs.")

    var privilegedCount = 0.0, noNNPCount = 0.0
    var capCounts: [String: Double] = [:]
    for v in views where !v.status.phase.isTerminal {
      for c in v.record.containers {
        let l: [(String, String)] = [("namespace", v.record.namespace), ("pod", v.record.name), ("container", c.name)]
        privilegedByContainer.add(l, c.privileged ? 1 : 0)
        if c.privileged { privilegedCount += 1 }
        let nnp = c.spec.process?.noNewPrivileges == true
        noNNPByContainer.add(l, nnp ? 1 : 0)
        if !nnp { noNNPCount += 1 }
        for cap in Set(c.spec.process?.capabilities?.bounding ?? []) where !defaultCapabilities.contains(cap) {
          capCounts[cap, default: 0] += 1
        }
      }
    }
    privileged.add([], privilegedCount)
    noNNP.add([], noNNPCount)
    for (cap, n) in capCounts.sorted(by: { $0.key < $1.key }) { added.add([("capability", cap)], n) }

    return [
      privileged, privilegedByContainer, added, noNNP, noNNPByContainer,
      AuditCounters.family(
        "garrison_seccomp_denials_total", "System calls the seccomp filter denied, by container and syscall (seccomp.denied audit events).",
        ["namespace", "pod", "container", "syscall"], audit.seccompDenials),
      AuditCounters.family(
        "garrison_attestations_total", "Enforcement read-backs after container start or exec, by result (match or mismatch).",
        ["namespace", "pod", "container", "result"], audit.attestations),
      AuditCounters.family(
        "garrison_exec_sessions_total", "exec sessions started (or refused), by container and outcome.",
        ["namespace", "pod", "container", "outcome"], audit.execSessions),
      AuditCounters.family(
        "garrison_portforward_sessions_total", "port-forward sessions opened (or refused), by pod and outcome.",
        ["namespace", "pod", "outcome"], audit.portForwards),
      AuditCounters.family(
        "garrison_admission_decisions_total", "Admission webhook decisions, by enforced policy (Pod Security level) and decision.",
        ["policy", "decision"], audit.admissions),
      AuditCounters.family(
        "garrison_audit_records_total", "Audit records appended, by kind and outcome.", ["kind", "outcome"], audit.records),
    ]
  }
}
