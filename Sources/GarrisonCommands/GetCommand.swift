import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods
import Yams

/// `garrison get pods [NAME] [-n NS | -A] [-o wide|json|yaml]`.
struct GetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "get", abstract: "List pods and their status.")

  @OptionGroup var rootOption: RootOption
  @OptionGroup var ns: NamespaceOption
  @Argument(help: "Resource type: pods (po, pod).") var resource: String
  @Argument(help: "Pod name.") var name: String?
  @Option(name: [.short, .customLong("output")], help: "wide, json or yaml.") var output: String?
  @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector (app=web, tier in (a,b), !legacy).") var selector: String?
  @Flag(help: "Show every object's labels as the last column.") var showLabels = false

  func run() throws {
    try PodCLI.run {
      let labelSelector = try selector.map(LabelSelector.parse)
      if let kind = WorkloadKinds.kind(resource) {
        try ns.check()
        if let name { try KubernetesNames.checkPodNameArgument(name) }
        try WorkloadGet(root: rootOption.path, ns: ns, kind: kind, name: name, output: output, selector: labelSelector,
                        showLabels: showLabels).run()
        return
      }
      guard ["pods", "pod", "po"].contains(resource) else { throw GarrisonError(.usage, "unknown resource type \"\(resource)\" (pods, deployments, replicasets, jobs)") }
      try ns.check()
      if let name { try KubernetesNames.checkPodNameArgument(name) }
      WorkloadGet.recoverControllers(root: rootOption.path, namespace: ns.selected)
      let manager = rootOption.manager
      var views: [PodView]
      if let name {
        guard let v = try manager.view(ns.single, name) else {
          throw GarrisonError(.notFound, "pods \"\(name)\" not found in namespace \(ns.single)")
        }
        views = [v]
      } else {
        views = try manager.list(namespace: ns.selected)
      }
      if let labelSelector { views = views.filter { labelSelector.matches($0.record.labels ?? [:]) } }
      switch output {
      case "json", "yaml":
        let docs = views.map(PodDocument.init)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        if output == "json" {
          let data = name != nil ? try enc.encode(docs[0]) : try enc.encode(PodList(items: docs))
          print(String(decoding: data, as: UTF8.self))
        } else {
          let yaml = name != nil ? try YAMLEncoder().encode(docs[0]) : try YAMLEncoder().encode(PodList(items: docs))
          print(yaml, terminator: "")
        }
      case nil, "wide":
        if views.isEmpty {
          FileHandle.standardError.write(Data("No resources found\(ns.selected.map { " in \($0) namespace" } ?? "").\n".utf8))
          return
        }
        var rows: [[String]] = [(ns.selected == nil ? ["NAMESPACE"] : []) + ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] + (output == "wide" ? ["IP", "SUPERVISOR"] : []) + (showLabels ? ["LABELS"] : [])]
        for v in views {
          let apps = v.status.containers.filter { $0.role == "app" }
          let ready = apps.filter(\.ready).count
          let restarts = v.status.containers.reduce(0) { $0 + $1.restartCount }
          var row = ns.selected == nil ? [v.record.namespace] : []
          row += [v.record.name, "\(ready)/\(apps.count)", PodDisplay.status(v), "\(restarts)", PodCLI.age(v.record.createdAt)]
          if output == "wide" { row += [v.status.podIP ?? "<none>", v.status.supervisor.map { "\($0.pid)\(v.supervised ? "" : " (gone)")" } ?? "<none>"] }
          if showLabels { row.append(WorkloadGet.labels(v.record.labels ?? [:])) }
          rows.append(row)
        }
        print(PodCLI.table(rows), terminator: "")
      default:
        throw GarrisonError(.usage, "unknown output format \"\(output!)\" (wide, json, yaml)")
      }
    }
  }
}

/// The STATUS column, as kubectl computes it.
enum PodDisplay {
  static func status(_ v: PodView) -> String {
    let s = v.status
    if s.phase == .unknown { return "Unknown" }
    let inits = s.containers.filter { $0.role == "init" }
    for (i, c) in inits.enumerated() {
      if c.state.kind == .terminated && c.state.exitCode == 0 { continue }
      if c.state.kind == .terminated { return "Init:\(c.state.reason ?? "Error")" }
      if c.state.kind == .waiting, let r = c.state.reason, r != "Waiting" && r != "PodInitializing" { return "Init:\(r)" }
      if s.phase == .failed { return "Init:Error" }
      return "Init:\(i)/\(inits.count)"
    }
    if s.phase == .succeeded { return "Completed" }
    var reason = s.phase.rawValue
    for c in s.containers where c.role == "app" {
      if c.state.kind == .waiting, let r = c.state.reason, r != "PodInitializing" && r != "Waiting" { reason = r }
      if c.state.kind == .terminated, let r = c.state.reason { reason = r == "Completed" && s.phase == .running ? reason : r }
    }
    if s.phase == .failed, let r = s.reason, reason == "Failed" { return r }
    return reason
  }
}

/// A Kubernetes-shaped Pod document for `-o json|yaml`.
struct PodDocument: Encodable {
  var apiVersion = "v1"
  var kind = "Pod"
  var metadata: [String: String]
  var spec: Spec
  var status: Status

  struct Spec: Encodable {
    var restartPolicy: String
    var containers: [[String: String]]
  }
  struct Status: Encodable {
    var phase: String
    var reason: String?
    var message: String?
    var podIP: String?
    var startTime: Date?
    var containerStatuses: [ContainerStatus]
    var supervisorPid: Int32?
  }

  init(_ v: PodView) {
    metadata = ["name": v.record.name, "namespace": v.record.namespace, "uid": v.record.uid,
                "creationTimestamp": ISO8601DateFormatter().string(from: v.record.createdAt)]
    spec = Spec(restartPolicy: v.record.restartPolicy, containers: v.record.containers.map {
      ["name": $0.name, "image": $0.image, "role": $0.role, "planDigest": $0.planDigest]
    })
    status = Status(phase: v.status.phase.rawValue, reason: v.status.reason, message: v.status.message, podIP: v.status.podIP,
                    startTime: v.status.startedAt, containerStatuses: v.status.containers, supervisorPid: v.status.supervisor?.pid)
  }
}

struct PodList: Encodable {
  var apiVersion = "v1"
  var kind = "List"
  var items: [PodDocument]
}

