import GarrisonManifest
import GarrisonPlan

/// A pod's quality-of-service class, decided as Kubernetes' `GetPodQOS` does from the cpu and memory requests
/// and limits of its init and app containers (requests default to limits, as API defaulting makes them).
extension QoSClass {
  /// `Guaranteed` when every container has cpu and memory limits equal to its requests, `BestEffort` when no
  /// container requests or limits either, `Burstable` otherwise.
  public static func of(_ spec: PodSpec) -> QoSClass {
    let compute = ["cpu", "memory"]
    var any = false
    var guaranteed = true
    for c in spec.initContainers + spec.containers {
      for r in compute {
        let limit = c.resources.limits[r].flatMap { $0.isZero ? nil : $0 }
        let request = (c.resources.requests[r] ?? c.resources.limits[r]).flatMap { $0.isZero ? nil : $0 }
        if limit != nil || request != nil { any = true }
        if limit == nil || request != limit { guaranteed = false }
      }
    }
    if !any { return .bestEffort }
    return guaranteed ? .guaranteed : .burstable
  }
}
