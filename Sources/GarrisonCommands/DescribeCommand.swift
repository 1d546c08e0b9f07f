import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison describe pod NAME`: status, containers, volumes and events.
struct DescribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a pod in detail, with its events.")

  @OptionGroup var rootOption: RootOption
  @OptionGroup var ns: NamespaceOption
  @Argument(help: "pod") var resource: String
  @Argument(help: "Pod name.") var name: String

  func run() throws {
    try PodCLI.run {
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

enum DescribeText {
  static func render(_ v: PodView) -> String {
    let r = v.record
    let s = v.status
    var out = ""
    let usage = DescribeUsage.lines(v)
    func line(_ k: String, _ val: String, _ indent: Int = 0) {
      let key = String(repeating: " ", count: indent) + k + ":"
      out += key.padding(toLength: max(key.count + 1, 20), withPad: " ", startingAt: 0) + val + "\n"
    }
    line("Name", r.name)
    line("Namespace", r.namespace)
    line("UID", r.uid)
    line("Start Time", s.startedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "<none>")
    line("Status", s.phase.rawValue)
    if let reason = s.reason { line("Reason", reason) }
    if let m = s.message { line("Message", m) }
    line("IP", s.podIP ?? "<none>")
    line("Network", r.namespaces.hostNetwork ? "host" : "\(r.network.mode) (\(r.network.bridge) \(r.network.cidr))")
    line("Supervisor", s.supervisor.map { "pid \($0.pid)" + (v.supervised ? "" : " (not running)") } ?? "<none>")
    line("Sandbox", s.sandbox.map { "pid \($0.pid)" } ?? "<none>")
    line("Runtime", r.runtime.path)
    line("Restart Policy", r.restartPolicy)
    line("Requests", "cpu \(r.requests.cpuMillis)m, memory \(r.requests.memoryBytes)")
    for (title, roles) in [("Init Containers", ["init", "sidecar"]), ("Containers", ["app"])] {
      let cs = r.containers.filter { roles.contains($0.role) }
      if cs.isEmpty { continue }
      out += "\(title):\n"
      for c in cs {
        let st = s.container(c.name)
        out += "  \(c.name):\n"
        line("Role", c.role, 4)
        line("Image", c.image.isEmpty ? "<none>" : c.image, 4)
        line("Command", (c.spec.process?.args ?? []).joined(separator: " "), 4)
        line("Plan", c.planDigest, 4)
        if let st {
          line("State", stateText(st.state), 4)
          if let l = st.lastState { line("Last State", stateText(l), 4) }
          line("Ready", "\(st.ready)", 4)
          line("Restart Count", "\(st.restartCount)", 4)
        }
        if let u = usage[c.name] { line("Usage", u, 4) }
        if let m = c.spec.linux?.resources?.memory?.limit { line("Memory Limit", "\(m)", 4) }
        for m in c.volumeMounts {
          line("Mount", "\(m.mountPath) from \(m.volume)" + (m.subPath.map { " (subPath \($0))" } ?? "") + (m.readOnly ? " (ro)" : " (rw)"), 4)
        }
      }
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
    out += "Events:\n"
    if s.events.isEmpty { out += "  <none>\n" }
    let rows = [["  Type", "Reason", "Age", "Message"]] + s.events.map { ["  " + $0.type, $0.reason, PodCLI.age($0.time), $0.message] }
    if !s.events.isEmpty { out += PodCLI.table(rows) }
    return out
  }

  static func stateText(_ st: ContainerStateInfo) -> String {
    var t = st.kind.rawValue
    if let r = st.reason { t += " (\(r))" }
    if let c = st.exitCode { t += " exit code \(c)" }
    if let sig = st.signal { t += " signal \(sig)" }
    if let m = st.message { t += ": \(m)" }
    return t
  }
}
