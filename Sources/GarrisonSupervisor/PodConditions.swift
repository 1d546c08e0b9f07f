#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonPlan
import Glibc

/// The pod conditions, decided from the container statuses as kubelet's status manager does. Only the supervisor
/// calls `refreshConditions` (and `PodManager.view` for a pod whose supervisor is gone), so pod readiness is
/// decided in one place: `ContainerStatus.ready` per container, `PodStatus.isReady` for the pod.
extension PodStatus {
  /// Sets `PodScheduled`, `Initialized`, `ContainersReady` and `Ready`; a condition's `lastTransitionTime`
  /// changes only when its status does. `scheduledAt` is when `apply` admitted the pod.
  public mutating func refreshConditions(now: Date, scheduledAt: Date) {
    set("PodScheduled", true, at: scheduledAt)
    let inits = containers.filter { $0.role == .initContainer }
    let sidecars = containers.filter { $0.role == .sidecar }
    let regular = containers.filter { $0.role == .sidecar || $0.role == .app }
    // Once initialized, a pod stays initialized (a sidecar restarting does not undo it).
    let incomplete =
      inits.filter { !($0.state.kind == .terminated && $0.state.exitCode == 0) }.map(\.name)
      + sidecars.filter { !$0.started }.map(\.name)
    let initialized = condition("Initialized")?.isTrue == true || incomplete.isEmpty
    set(
      "Initialized", initialized, at: now, reason: initialized ? nil : "ContainersNotInitialized",
      message: initialized ? nil : "containers with incomplete status: [\(incomplete.joined(separator: " "))]")
    let unready = regular.filter { !$0.ready }.map(\.name)
    let ready: Bool
    let reason: String?
    let message: String?
    if phase.isTerminal {
      (ready, reason, message) = (false, "PodCompleted", nil)
    } else if phase == .unknown {
      (ready, reason, message) = (false, "SupervisorLost", "the pod's supervisor is gone; its containers are not watched")
    } else if !initialized {
      (ready, reason, message) = (
        false, "ContainersNotInitialized", "containers with incomplete status: [\(incomplete.joined(separator: " "))]"
      )
    } else if !unready.isEmpty {
      (ready, reason, message) = (false, "ContainersNotReady", "containers with unready status: [\(unready.joined(separator: " "))]")
    } else {
      (ready, reason, message) = (true, nil, nil)
    }
    set("ContainersReady", ready, at: now, reason: reason, message: message)
    set("Ready", ready, at: now, reason: reason, message: message)
  }

  mutating func set(_ type: String, _ value: Bool, at time: Date, reason: String? = nil, message: String? = nil) {
    let status = value ? "True" : "False"
    if let i = conditions.firstIndex(where: { $0.type == type }) {
      if conditions[i].status != status { conditions[i].lastTransitionTime = time }
      conditions[i].status = status
      conditions[i].reason = reason
      conditions[i].message = message
    } else {
      conditions.append(PodCondition(type: type, status: status, lastTransitionTime: time, reason: reason, message: message))
    }
  }
}
