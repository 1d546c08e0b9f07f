import GarrisonCore

/// The closed set of audit event kinds. The raw value is what the log stores.
public enum AuditKind: String, Sendable, CaseIterable, Hashable, Comparable {
  case podAdmitted = "pod.admitted"
  case podRefused = "pod.refused"
  case containerStarted = "container.started"
  case containerExec = "container.exec"
  case capabilityBeyondDefault = "capability.beyond_default"
  case privilegedContainer = "privileged.container"
  case hostNamespace = "host.namespace"
  case hostPathMount = "hostpath.mount"
  case enforcementReadback = "enforcement.readback"
  case lsmUnavailable = "lsm.unavailable"
  case lsmProfileLoaded = "lsm.profile_loaded"
  case enforcementFallback = "enforcement.fallback"
  case seccompDenied = "seccomp.denied"
  case containerOOMKilled = "container.oom_killed"
  case containerExited = "container.exited"
  case hookRun = "hook.run"
  case auditRecovered = "audit.recovered"
  case auditCheckpoint = "audit.checkpoint"
  case execStarted = "exec.started"
  case execEnded = "exec.ended"
  case portForwardOpened = "portforward.opened"
  case portForwardClosed = "portforward.closed"
  case admissionDecision = "admission.decision"
  /// A container killed by its supervisor because its liveness or startup probe failed `failureThreshold` times.
  case probeKilled = "probe.killed"
  case workloadScaled = "workload.scaled"
  case workloadRolloutStarted = "workload.rollout_started"
  case workloadRolloutCompleted = "workload.rollout_completed"
  case podReplaced = "pod.replaced"
  /// A pod's supervisor could not read its own state when garrison-keeper handed the pod back, and rebuilt it from
  /// the pod's status, record and the logs handed back (the pod is kept; backoffs and probe schedules start over).
  case supervisorStateRebuilt = "supervisor.state_rebuilt"

  public static func < (a: AuditKind, b: AuditKind) -> Bool { a.rawValue < b.rawValue }

  /// Parses a stored or user-given kind name; unknown names are an error.
  public init(parsing name: String) throws(GarrisonError) {
    guard let k = AuditKind(rawValue: name) else {
      throw GarrisonError(
        .invalid, operation: "parse kind",
        "unknown audit kind \"\(name)\" (known: \(AuditKind.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    self = k
  }
}

/// The outcome of the audited action.
public enum AuditOutcome: String, Sendable, CaseIterable, Hashable, Comparable {
  case allowed
  case denied
  case error

  public static func < (a: AuditOutcome, b: AuditOutcome) -> Bool { a.rawValue < b.rawValue }

  /// Parses a stored outcome; unknown names are an error.
  public init(parsing name: String) throws(GarrisonError) {
    guard let o = AuditOutcome(rawValue: name) else {
      throw GarrisonError(.invalid, operation: "parse outcome", "unknown audit outcome \"\(name)\"")
    }
    self = o
  }
}
