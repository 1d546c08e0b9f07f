import GarrisonPods

/// kube-state-metrics' pod families (names, types and labels as it exports them), from each pod's record and status.
enum PodStateMetrics {
  static let phases: [PodPhase] = [.pending, .running, .succeeded, .failed, .unknown]

  static func families(_ views: [PodView], node: String) -> [MetricFamily] {
    var phase = MetricFamily("kube_pod_status_phase", .gauge, "The pods current phase.")
    var restarts = MetricFamily("kube_pod_container_status_restarts_total", .counter, "The number of container restarts per container.")
    var running = MetricFamily(
      "kube_pod_container_status_running", .gauge, "Describes whether the container is currently in running state.")
    var waiting = MetricFamily(
      "kube_pod_container_status_waiting", .gauge, "Describes whether the container is currently in waiting state.")
    var waitingReason = MetricFamily(
      "kube_pod_container_status_waiting_reason", .gauge, "Describes the reason the container is currently in waiting state.")
    var terminated = MetricFamily(
      "kube_pod_container_status_terminated", .gauge, "Describes whether the container is currently in terminated state.")
    var terminatedReason = MetricFamily(
      "kube_pod_container_status_terminated_reason", .gauge, "Describes the reason the container is currently in terminated state.")
    var lastReason = MetricFamily(
      "kube_pod_container_status_last_terminated_reason", .gauge, "Describes the last reason the container was in terminated state.")
    var ready = MetricFamily("kube_pod_container_status_ready", .gauge, "Describes whether the containers readiness check succeeded.")
    var requests = MetricFamily("kube_pod_container_resource_requests", .gauge, "The number of requested request resource by a container.")
    var limits = MetricFamily("kube_pod_container_resource_limits", .gauge, "The number of requested limit resource by a container.")

    for v in views {
      let pod: [(String, String)] = [("namespace", v.record.namespace), ("pod", v.record.name), ("uid", v.record.uid)]
      for p in phases { phase.add(pod + [("phase", p.rawValue)], v.status.phase == p ? 1 : 0) }
      for c in v.record.containers {
        let cl: [(String, String)] = [
          ("namespace", v.record.namespace), ("pod", v.record.name), ("container", c.name), ("uid", v.record.uid),
        ]
        let st = v.status.container(c.name)
        let kind = st?.state.kind
        restarts.add(cl, Double(st?.restartCount ?? 0))
        running.add(cl, kind == .running ? 1 : 0)
        waiting.add(cl, kind == .waiting || kind == nil ? 1 : 0)
        terminated.add(cl, kind == .terminated ? 1 : 0)
        ready.add(cl, st?.ready == true ? 1 : 0)
        if kind == .waiting, let r = st?.state.reason { waitingReason.add(cl + [("reason", r)], 1) }
        if kind == .terminated, let r = st?.state.reason { terminatedReason.add(cl + [("reason", r)], 1) }
        if let last = st?.lastState, last.kind == .terminated, let r = last.reason { lastReason.add(cl + [("reason", r)], 1) }
        guard let res = c.resources else { continue }
        let rl = cl + [("node", node)]
        if let m = res.cpuRequestMillis { requests.add(rl + [("resource", "cpu"), ("unit", "core")], Double(m) / 1000) }
        if let b = res.memoryRequestBytes { requests.add(rl + [("resource", "memory"), ("unit", "byte")], Double(b)) }
        if let m = res.cpuLimitMillis { limits.add(rl + [("resource", "cpu"), ("unit", "core")], Double(m) / 1000) }
        if let b = res.memoryLimitBytes { limits.add(rl + [("resource", "memory"), ("unit", "byte")], Double(b)) }
      }
    }
    return [phase, restarts, running, waiting, waitingReason, terminated, terminatedReason, lastReason, ready, requests, limits]
  }
}
