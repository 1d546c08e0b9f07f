import Foundation

/// The one place that decides whether a pod counts as ready and since when, for every workload decision and
/// column (READY, AVAILABLE, rollouts). Today: the pod is Running, its supervisor alive, and every app container
/// reports ready (`ContainerStatus.ready`); readiness probes, when the supervisor runs them, decide through that
/// same field.
public enum PodReadiness {
  /// The pod's Ready condition (probes included: `PodStatus.isReady`), and its supervisor alive.
  public static func isReady(_ v: PodView) -> Bool { v.supervised && v.status.isReady }

  /// When the pod became ready: its Ready condition's last transition (nil when not ready).
  public static func readySince(_ v: PodView) -> Date? {
    guard isReady(v) else { return nil }
    return v.status.condition("Ready")?.lastTransitionTime ?? v.status.startedAt
  }
}

/// A container that terminated, as a Job's podFailurePolicy sees it.
public struct ContainerExit: Sendable, Equatable {
  public var name: String
  public var code: Int32
  public var isInit: Bool
  public init(name: String, code: Int32, isInit: Bool = false) {
    self.name = name
    self.code = code
    self.isInit = isInit
  }
}

/// A pod as a workload decision sees it: the facts, no I/O.
public struct ObservedPod: Sendable, Equatable {
  /// The annotation (and label) that carries an Indexed Job pod's completion index.
  public static let completionIndexAnnotation = "batch.kubernetes.io/job-completion-index"

  public var name: String
  public var createdAt: Date
  public var phase: PodPhase
  public var ready: Bool
  public var readySince: Date?
  /// Being deleted (`stop.json` written).
  public var terminating: Bool
  public var restarts: Int
  public var reason: String?
  /// An Indexed Job pod's completion index.
  public var index: Int?
  /// Containers that terminated with a known exit code (app containers, then init containers).
  public var exits: [ContainerExit]
  /// The pod's conditions, type → status; a pod whose supervisor is gone has `DisruptionTarget` `True` (as a
  /// pod of a lost node that the pod garbage collector marks).
  public var conditions: [String: String]

  public init(
    name: String, createdAt: Date, phase: PodPhase, ready: Bool, readySince: Date? = nil, terminating: Bool = false,
    restarts: Int = 0, reason: String? = nil, index: Int? = nil, exits: [ContainerExit] = [], conditions: [String: String] = [:]
  ) {
    self.name = name
    self.createdAt = createdAt
    self.phase = phase
    self.ready = ready
    self.readySince = readySince ?? (ready ? createdAt : nil)
    self.terminating = terminating
    self.restarts = restarts
    self.reason = reason
    self.index = index
    self.exits = exits
    self.conditions = conditions
  }

  public init(_ v: PodView, terminating: Bool) {
    var conditions: [String: String] = [:]
    for c in v.status.conditions { conditions[c.type] = c.status }
    if v.status.phase == .unknown { conditions["DisruptionTarget"] = "True" }
    // A container the supervisor never saw end (its supervisor is gone) has no exit code of its own.
    let exits = v.status.containers.compactMap { c -> ContainerExit? in
      guard c.state.kind == .terminated, let code = c.state.exitCode, c.state.reason != "ContainerStatusUnknown" else { return nil }
      return ContainerExit(name: c.name, code: code, isInit: c.role == .initContainer)
    }
    self.init(
      name: v.record.name, createdAt: v.record.createdAt, phase: v.status.phase, ready: PodReadiness.isReady(v),
      readySince: PodReadiness.readySince(v), terminating: terminating,
      restarts: v.status.containers.reduce(0) { $0 + $1.restartCount },
      reason: v.status.reason, index: v.record.annotations?[Self.completionIndexAnnotation].flatMap { Int($0) },
      exits: exits.filter { !$0.isInit } + exits.filter(\.isInit), conditions: conditions)
  }

  /// Ready for at least `minReadySeconds` (Kubernetes' available).
  public func available(minReadySeconds: Int, now: Date) -> Bool {
    guard ready, let since = readySince else { return false }
    return minReadySeconds == 0 || now.timeIntervalSince(since) >= Double(minReadySeconds)
  }

  /// Counted as one of the replicas: not being deleted, not failed, supervisor not lost.
  public var active: Bool { !terminating && (phase == .pending || phase == .running) }
}
