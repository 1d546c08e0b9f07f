import GarrisonPods

/// The node's allocatable resources against what unfinished pods request: the fit check's view
/// (`FitCheck`: allocatable CPU is `nproc × 1000m`, memory is `MemTotal`).
enum NodeMetrics {
  static func families(_ views: [PodView], fit: FitCheck, node: String) -> [MetricFamily] {
    var allocatable = MetricFamily(
      "kube_node_status_allocatable", .gauge, "The allocatable for different resources of a node that are available for scheduling.")
    var requested = MetricFamily(
      "garrison_node_requested", .gauge, "What unfinished pods request on this node, as the fit check counts it.")
    var pods = MetricFamily("garrison_node_pods", .gauge, "Pods on this node that are not finished.")
    let active = views.filter { !$0.status.phase.isTerminal }
    let cpu = active.reduce(Int64(0)) { $0 &+ $1.record.requests.cpuMillis }
    let mem = active.reduce(Int64(0)) { $0 &+ $1.record.requests.memoryBytes }
    allocatable.add([("node", node), ("resource", "cpu"), ("unit", "core")], Double(fit.allocatableMilliCPU) / 1000)
    allocatable.add([("node", node), ("resource", "memory"), ("unit", "byte")], Double(fit.allocatableMemory))
    requested.add([("node", node), ("resource", "cpu"), ("unit", "core")], Double(cpu) / 1000)
    requested.add([("node", node), ("resource", "memory"), ("unit", "byte")], Double(mem))
    pods.add([("node", node)], Double(active.count))
    return [allocatable, requested, pods]
  }
}
