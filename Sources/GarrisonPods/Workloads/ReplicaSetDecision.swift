import Foundation

/// The ReplicaSet controller's decision, pure: (desired replicas, observed pods, pods seen last time, clock) →
/// pods to create, pods to delete and why, pods that were replaced and why. Table-tested without root.
public enum ReplicaSetDecision {
  /// A pod to delete, and why.
  public struct Deletion: Sendable, Equatable {
    public var pod: String
    public var reason: String
    public init(pod: String, reason: String) {
      self.pod = pod
      self.reason = reason
    }
  }

  /// What to do.
  public struct Plan: Sendable, Equatable {
    public var create = 0
    public var delete: [Deletion] = []
    /// Pods that stopped counting (deleted by someone else, failed, supervisor lost): each gets a replacement
    /// (`pod.replaced`, with the reason).
    public var replaced: [Deletion] = []
    /// Pods now counted as replicas (after the deletions, before the creations).
    public var keep: [String] = []
    public init() {}
  }

  public static func decide(desired: Int, pods: [ObservedPod], known: Set<String>, now: Date) -> Plan {
    var plan = Plan()
    let present = Set(pods.map(\.name))
    // A pod still counted last time that is gone, or being deleted, was deleted by someone else (the controller
    // stops counting the pods it deletes itself).
    for gone in known.subtracting(present).sorted() {
      plan.replaced.append(Deletion(pod: gone, reason: "Deleted: the pod was deleted outside its controller"))
    }
    for p in pods where p.terminating && known.contains(p.name) {
      plan.replaced.append(Deletion(pod: p.name, reason: "Deleted: the pod is being deleted outside its controller"))
    }
    // A failed pod, or one whose supervisor is gone, is deleted and replaced.
    for p in pods where !p.terminating && !p.active {
      let why: String
      switch p.phase {
      case .unknown: why = "SupervisorLost: the pod's supervisor is gone"
      case .failed: why = "Failed: the pod failed" + (p.reason.map { " (\($0))" } ?? "")
      default: why = "Succeeded: the pod's containers exited under restartPolicy Always"
      }
      plan.delete.append(Deletion(pod: p.name, reason: why))
      plan.replaced.append(Deletion(pod: p.name, reason: why))
    }
    var active = pods.filter(\.active)
    if active.count < desired {
      plan.create = desired - active.count
    } else if active.count > desired {
      // Kubernetes' ranking for scale-down: not ready before ready, newer before older.
      active.sort { a, b in
        if a.ready != b.ready { return !a.ready }
        if a.createdAt != b.createdAt { return a.createdAt > b.createdAt }
        return a.name < b.name
      }
      let excess = active.count - desired
      for p in active.prefix(excess) {
        plan.delete.append(Deletion(pod: p.name, reason: "ScaledDown: more pods than the \(desired) desired"))
      }
      active.removeFirst(excess)
    }
    plan.keep = active.map(\.name).sorted()
    return plan
  }
}
