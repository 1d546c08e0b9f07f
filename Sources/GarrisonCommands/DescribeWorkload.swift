import Foundation
import GarrisonCore
import GarrisonPods

/// `garrison describe deployment|replicaset|job NAME`, in kubectl's layout.
enum WorkloadDescribe {
  static func render(root: String, kind: String, namespace: String, name: String) throws -> String {
    WorkloadGet.recoverControllers(root: root, namespace: namespace)
    let m = WorkloadManager(root: root)
    guard let o = try m.store.object(namespace, kind, name) else { throw m.notFound(kind, namespace, name) }
    let s = try m.store.status(m.store.paths(namespace, kind, name))
    var out = ""
    func line(_ k: String, _ v: String) {
      let key = k + ":"
      out += key.padding(toLength: max(key.count + 1, 24), withPad: " ", startingAt: 0) + v + "\n"
    }
    line("Name", o.name)
    line("Namespace", o.namespace)
    line("CreationTimestamp", Timestamps.format(o.createdAt))
    line("Labels", WorkloadGet.labels(o.labels))
    var annotations = o.annotations
    if kind == "Deployment", let r = s.rolloutRevision { annotations[WorkloadObject.revisionAnnotation] = String(r) }
    line("Annotations", WorkloadGet.labels(annotations))
    if let owner = o.ownerReferences.first { line("Controlled By", "\(owner.kind)/\(owner.name)") }
    var sel = o.spec.selector.description
    if kind == "Job" && sel.isEmpty { sel = "controller-uid=\(o.uid)" }
    line("Selector", sel)
    switch kind {
    case "Deployment":
      line(
        "Replicas",
        "\(o.spec.replicas) desired | \(s.updatedReplicas) updated | \(s.replicas) total | \(s.availableReplicas) available | \(max(0, s.replicas - s.availableReplicas)) unavailable"
      )
      line("StrategyType", o.spec.strategy.type)
      line("MinReadySeconds", "\(o.spec.minReadySeconds)")
      if o.spec.strategy.type == "RollingUpdate" {
        line("RollingUpdateStrategy", "\(o.spec.strategy.maxUnavailable) max unavailable, \(o.spec.strategy.maxSurge) max surge")
      }
    case "ReplicaSet":
      line("Replicas", "\(s.replicas) current / \(o.spec.replicas) desired")
      line("Pods Status", "\(s.readyReplicas) Ready / \(s.replicas - s.readyReplicas) Not ready")
    default:
      line("Parallelism", "\(o.spec.parallelism)")
      line("Completions", o.spec.completions.map(String.init) ?? "<unset>")
      line("Backoff Limit", "\(o.spec.backoffLimit)")
      if let d = o.spec.activeDeadlineSeconds { line("Active Deadline Seconds", "\(d)s") }
      if let t = s.startTime { line("Start Time", Timestamps.format(t)) }
      if let t = s.completionTime { line(s.condition == "Complete" ? "Completed At" : "Finished At", Timestamps.format(t)) }
      line("Completion Mode", o.spec.completionMode ?? "NonIndexed")
      line("Pods Statuses", "\(s.active) Active / \(s.succeeded) Succeeded / \(s.failed) Failed")
      if o.spec.indexed { line("Completed Indexes", (s.completedIndexes ?? "").isEmpty ? "<none>" : s.completedIndexes!) }
    }
    let (names, images) = WorkloadGet.containers(o)
    out += "Pod Template:\n"
    out += "  Labels:      \(WorkloadGet.labels(o.spec.templateLabels))\n"
    out += "  Containers:  \(names)\n"
    out += "  Images:      \(images)\n"
    if let c = s.condition {
      var rows = [["  Type", "Status", "Reason"], ["  ----", "------", "------"]]
      if kind == "Deployment" {
        for cond in s.conditions ?? [] { rows.append(["  \(cond.type)", cond.status, cond.reason]) }
      } else {
        rows.append(["  \(c)", "True", s.conditionReason ?? (c == "Complete" ? "" : "Failed")])
      }
      out += "Conditions:\n" + PodCLI.table(rows)
    }
    if kind == "Deployment" {
      let sets = try m.replicaSets(of: o).sorted { $0.revision < $1.revision }
      let hash = TemplateHash.compute(template: o.spec.template)
      let new = sets.filter { $0.templateHash == hash }
      let old = sets.filter { $0.templateHash != hash && $0.spec.replicas > 0 }
      func rsText(_ l: [WorkloadObject]) -> String {
        l.isEmpty ? "<none>" : l.map { "\($0.name) (\($0.spec.replicas) replicas)" }.joined(separator: ", ")
      }
      line("OldReplicaSets", rsText(old))
      line("NewReplicaSet", rsText(new))
    }
    out += "Events:\n"
    var events = s.events
    if kind == "Deployment" {
      for rs in try m.replicaSets(of: o) { events += try m.store.status(m.store.paths(namespace, "ReplicaSet", rs.name)).events }
    }
    events.sort { $0.time < $1.time }
    if events.isEmpty { out += "  <none>\n" }
    for e in events.suffix(30) { out += "  \(e.type)  \(e.reason)  \(PodCLI.age(e.time))  \(e.message)\n" }
    return out
  }
}
