import Foundation

/// One condition of a Deployment's status (`Progressing`, `Available`), as the API shows it.
public struct WorkloadCondition: Codable, Sendable, Equatable {
  public var type: String
  /// `True`, `False` or `Unknown`.
  public var status: String
  public var reason: String
  public var message: String
  public var lastUpdateTime: Date
  public var lastTransitionTime: Date
  public init(type: String, status: String, reason: String, message: String, lastUpdateTime: Date, lastTransitionTime: Date) {
    self.type = type
    self.status = status
    self.reason = reason
    self.message = message
    self.lastUpdateTime = lastUpdateTime
    self.lastTransitionTime = lastTransitionTime
  }
}

/// The Deployment controller's `Progressing` and `Available` conditions, pure: Kubernetes' `syncRolloutStatus`
/// (`DeploymentComplete`, `DeploymentProgressing`, `DeploymentTimedOut`), `getNewReplicaSet`'s
/// `NewReplicaSetCreated`/`FoundNewReplicaSet` and `checkPausedConditions`, with `SetDeploymentCondition`'s
/// rule that an unchanged status and reason change nothing. Table-tested without root.
public enum DeploymentProgress {
  public static let newReplicaSetCreated = "NewReplicaSetCreated"
  public static let foundNewReplicaSet = "FoundNewReplicaSet"
  public static let replicaSetUpdated = "ReplicaSetUpdated"
  public static let newReplicaSetAvailable = "NewReplicaSetAvailable"
  public static let progressDeadlineExceeded = "ProgressDeadlineExceeded"
  public static let paused = "DeploymentPaused"
  public static let resumed = "DeploymentResumed"

  /// The replica counts of a Deployment's status.
  public struct Counts: Sendable, Equatable {
    public var replicas: Int
    public var updated: Int
    public var ready: Int
    public var available: Int
    public init(replicas: Int = 0, updated: Int = 0, ready: Int = 0, available: Int = 0) {
      self.replicas = replicas
      self.updated = updated
      self.ready = ready
      self.available = available
    }
  }

  /// `progressDeadlineSeconds` as a deadline: none when it is `MaxInt32` (`HasProgressDeadline`).
  public static func deadline(_ seconds: Int) -> Int? { seconds == Int(Int32.max) ? nil : seconds }

  /// The `Progressing` condition after this pass. `previous`: the status counts before it; `next`: after it;
  /// `created`: the pass created the new ReplicaSet; `newReplicaSet`: its name (nil when none exists yet).
  public static func progressing(
    current: WorkloadCondition?, previous: Counts, next: Counts, desired: Int, generationObserved: Bool,
    deadlineSeconds: Int?, newReplicaSet: String?, created: Bool, paused: Bool, now: Date
  ) -> WorkloadCondition? {
    // No deadline: no Progressing condition at all.
    guard let deadline = deadlineSeconds else { return nil }
    var cond = current
    func set(_ status: String, _ reason: String, _ message: String) {
      if let c = cond, c.status == status, c.reason == reason { return }
      let transition = cond.map { $0.status == status ? $0.lastTransitionTime : now } ?? now
      cond = WorkloadCondition(
        type: "Progressing", status: status, reason: reason, message: message, lastUpdateTime: now, lastTransitionTime: transition)
    }
    let subject = newReplicaSet.map { "ReplicaSet \"\($0)\"" } ?? "Deployment"
    if let rs = newReplicaSet {
      if created {
        set("True", newReplicaSetCreated, "Created new replica set \"\(rs)\"")
      } else if cond == nil {
        set("True", foundNewReplicaSet, "Found new replica set \"\(rs)\"")
      }
    }
    // checkPausedConditions; a paused Deployment's progress is not estimated.
    if cond?.reason != progressDeadlineExceeded {
      if paused && cond?.reason != Self.paused {
        set("Unknown", Self.paused, "Deployment is paused")
      } else if !paused && cond?.reason == Self.paused {
        set("Unknown", resumed, "Deployment is resumed")
      }
    }
    if paused { return cond }
    let isComplete = next.replicas == next.updated && cond?.reason == newReplicaSetAvailable
    guard !isComplete else { return cond }
    if next.updated == desired && next.replicas == desired && next.available == desired && generationObserved {
      set("True", newReplicaSetAvailable, "\(subject) has successfully progressed.")
    } else if next.updated > previous.updated || (next.replicas - next.updated) < (previous.replicas - previous.updated)
      || next.ready > previous.ready || next.available > previous.available
    {
      // Progress: lastUpdateTime moves even when the reason stays (the deadline counts from the last progress).
      let transition = cond.map { $0.status == "True" ? $0.lastTransitionTime : now } ?? now
      cond = WorkloadCondition(
        type: "Progressing", status: "True", reason: replicaSetUpdated, message: "\(subject) is progressing.",
        lastUpdateTime: now, lastTransitionTime: transition)
    } else if let c = cond, c.reason != newReplicaSetAvailable,
      c.reason == progressDeadlineExceeded || c.lastUpdateTime.addingTimeInterval(Double(deadline)) < now
    {
      set("False", progressDeadlineExceeded, "\(subject) has timed out progressing.")
    }
    return cond
  }

  /// The `Available` condition (`calculateStatus`): available replicas ≥ replicas − maxUnavailable.
  public static func available(current: WorkloadCondition?, availableReplicas: Int, desired: Int, maxUnavailable: Int, now: Date)
    -> WorkloadCondition
  {
    let ok = availableReplicas >= desired - maxUnavailable
    let status = ok ? "True" : "False"
    if let c = current, c.status == status { return c }
    return WorkloadCondition(
      type: "Available", status: status, reason: ok ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
      message: ok ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", lastUpdateTime: now,
      lastTransitionTime: now)
  }
}
