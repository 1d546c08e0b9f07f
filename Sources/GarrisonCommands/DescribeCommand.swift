import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonPlan
import GarrisonManifest
import GarrisonPods

/// `garrison describe pod NAME`: status, containers, volumes and events.
struct DescribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "describe", abstract: "Show a pod, Deployment, ReplicaSet or Job in detail, with its events.")

  @OptionGroup var rootOption: RootOption
  @OptionGroup var ns: NamespaceOption
  @Argument(help: "pod") var resource: String
  @Argument(help: "Pod name.") var name: String

  func run() throws {
    try PodCLI.run {
      if let kind = WorkloadKinds.kind(resource) {
        try ns.check()
        try KubernetesNames.checkPodNameArgument(name)
        print(try WorkloadDescribe.render(root: rootOption.path, kind: kind, namespace: ns.single, name: name), terminator: "")
        return
      }
      guard ["pods", "pod", "po"].contains(resource) else { throw GarrisonError(.usage, "unknown resource type \"\(resource)\"") }
      try ns.check()
      try KubernetesNames.checkPodNameArgument(name)
      guard let v = try rootOption.manager.view(ns.single, name) else {
        throw GarrisonError(.notFound, "pods \"\(name)\" not found in namespace \(ns.single)")
      }
      print(DescribeText.render(v), terminator: "")
    }
  }
}

/// `kubectl describe pod`'s layout, from the Kubernetes-shaped pod, with Garrison's own lines (supervisor,
/// sandbox, runtime, network, the plan digest and role of each container).
enum DescribeText {
  static func render(_ v: PodView) -> String {
    let r = v.record
    let s = v.status
    let k = KubernetesPodView.pod(v)
    var out = ""
    let usage = DescribeUsage.lines(v)
    func line(_ key: String, _ val: String, _ indent: Int = 0) {
      let key = String(repeating: " ", count: indent) + key + ":"
      out += key.padding(toLength: max(key.count + 1, 20), withPad: " ", startingAt: 0) + val + "\n"
    }
    func map(_ title: String, _ m: [String: String]?) {
      let items = (m ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      line(title, items.first ?? "<none>")
      for item in items.dropFirst() { out += String(repeating: " ", count: 20) + item + "\n" }
    }
    line("Name", r.name)
    line("Namespace", r.namespace)
    line("Node", k.spec["nodeName"]?.stringValue ?? "<none>")
    line("Start Time", s.startedAt.map { KubernetesPodView.time($0) } ?? "<none>")
    map("Labels", r.labels)
    map("Annotations", k.metadata.annotations)
    line("UID", r.uid)
    line(
      "Status",
      k.metadata.deletionTimestamp != nil && !s.phase.isTerminal
        ? "Terminating (lasts \(s.deletionGracePeriodSeconds ?? 0)s)" : s.phase.rawValue)
    if let reason = s.reason { line("Reason", reason) }
    if let m = s.message { line("Message", m) }
    line("IP", s.podIP ?? "<none>")
    line("IPs", s.podIP.map { "IP: \($0)" } ?? "<none>")
    line("Network", r.namespaces.hostNetwork ? "host" : "\(r.network.mode) (\(r.network.bridge) \(r.network.cidr))")
    line("Supervisor", s.supervisor.map { "pid \($0.pid)" + (v.supervised ? "" : " (not running)") } ?? "<none>")
    line("Sandbox", s.sandbox.map { "pid \($0.pid)" } ?? "<none>")
    line("Runtime", r.runtime.path)
    line("Restart Policy", r.restartPolicy)
    line("Requests", "cpu \(r.requests.cpuMillis)m, memory \(r.requests.memoryBytes)")
    let statuses = (k.status.initContainerStatuses ?? []) + (k.status.containerStatuses ?? [])
    for (title, roles) in [("Init Containers", [ContainerRole.initContainer, .sidecar]), ("Containers", [.app])] {
      let cs = r.containers.filter { roles.contains($0.role) }
      if cs.isEmpty { continue }
      out += "\(title):\n"
      for c in cs {
        out += "  \(c.name):\n"
        let st = statuses.first { $0.name == c.name }
        line("Container ID", st?.containerID ?? "", 4)
        line("Role", c.role.rawValue, 4)
        line("Image", c.image.isEmpty ? "<none>" : c.image, 4)
        line("Image ID", st?.imageID ?? "", 4)
        line("Command", (c.spec.process?.args ?? []).joined(separator: " "), 4)
        line("Plan", c.planDigest, 4)
        if let st {
          state("State", st.state, into: &out)
          if st.lastState != KubernetesPod.State() { state("Last State", st.lastState, into: &out) }
          line("Ready", st.ready ? "True" : "False", 4)
          line("Restart Count", "\(st.restartCount)", 4)
        }
        if let u = usage[c.name] { line("Usage", u, 4) }
        if let m = c.spec.linux?.resources?.memory?.limit { line("Memory Limit", "\(m)", 4) }
        for kind in [ProbeKind.liveness, .readiness, .startup] {
          if let p = c.probes?.probe(kind) { line(kind.rawValue, p.summary, 4) }
        }
        for m in c.volumeMounts {
          line(
            "Mount", "\(m.mountPath) from \(m.volume)" + (m.subPath.map { " (subPath \($0))" } ?? "") + (m.readOnly ? " (ro)" : " (rw)"), 4)
        }
      }
    }
    if let conditions = k.status.conditions {
      out += "Conditions:\n"
      out += PodCLI.table([["  Type", "Status"]] + conditions.map { ["  " + $0.type, $0.status] })
    }
    if !r.volumes.isEmpty {
      out += "Volumes:\n"
      for vol in r.volumes {
        var d = vol.kind.rawValue
        if vol.kind == .hostPath { d += " \(vol.hostPath ?? "") (\(vol.hostPathType ?? ""))" }
        if vol.kind == .emptyDir && vol.memory { d += " (Memory" + (vol.sizeLimitBytes.map { ", limit \($0)" } ?? "") + ")" }
        if vol.kind == .configMap || vol.kind == .secret { d += " (\(vol.files.count) files)" }
        line(vol.name, d, 2)
      }
    }
    line("QoS Class", r.qosClass ?? "<unknown>")
    out += "Events:\n"
    if s.events.isEmpty { out += "  <none>\n" }
    let rows =
      [["  Type", "Reason", "Age", "Message"]]
      + s.events.map {
        ["  " + $0.type, $0.reason, PodCLI.age($0.time) + ($0.count.map { " (x\($0))" } ?? ""), $0.message]
      }
    if !s.events.isEmpty { out += PodCLI.table(rows) }
    return out
  }

  /// `State:   Running` with `Started:` below it, or `Terminated` with reason, exit code, started and finished.
  static func state(_ title: String, _ st: KubernetesPod.State, into out: inout String) {
    func line(_ key: String, _ val: String, _ indent: Int) {
      let key = String(repeating: " ", count: indent) + key + ":"
      out += key.padding(toLength: max(key.count + 1, 20), withPad: " ", startingAt: 0) + val + "\n"
    }
    if let w = st.waiting {
      line(title, "Waiting", 4)
      if let r = w.reason { line("Reason", r, 6) }
      if let m = w.message { line("Message", m, 6) }
    } else if let run = st.running {
      line(title, "Running", 4)
      line("Started", run.startedAt ?? "", 6)
    } else if let t = st.terminated {
      line(title, "Terminated", 4)
      if let r = t.reason { line("Reason", r, 6) }
      if let m = t.message { line("Message", m, 6) }
      line("Exit Code", "\(t.exitCode)", 6)
      if let sig = t.signal { line("Signal", "\(sig)", 6) }
      line("Started", t.startedAt ?? "", 6)
      line("Finished", t.finishedAt ?? "", 6)
    }
  }
}
