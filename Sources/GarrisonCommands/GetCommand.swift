import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison get pods [NAME] [-n NS | -A] [-o wide|json|yaml]`.
struct GetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "get", abstract: "List pods, Deployments, ReplicaSets or Jobs and their status.")

  @OptionGroup var rootOption: RootOption
  @OptionGroup var ns: NamespaceOption
  @Argument(help: "Resource type: pods (po), deployments (deploy), replicasets (rs), jobs.") var resource: String
  @Argument(help: "Object name.") var name: String?
  @Option(name: [.short, .customLong("output")], help: "wide, json or yaml.") var output: String?
  @Option(name: [.customShort("l"), .customLong("selector")], help: "Label selector (app=web, tier in (a,b), !legacy).") var selector:
    String?
  @Flag(help: "Show every object's labels as the last column.") var showLabels = false

  func run() throws {
    try PodCLI.run {
      let labelSelector = try selector.map(LabelSelector.parse)
      if let kind = WorkloadKinds.kind(resource) {
        try ns.check()
        if let name { try KubernetesNames.checkPodNameArgument(name) }
        try WorkloadGet(
          root: rootOption.path, ns: ns, kind: kind, name: name, output: output, selector: labelSelector,
          showLabels: showLabels
        ).run()
        return
      }
      guard ["pods", "pod", "po"].contains(resource) else {
        throw GarrisonError(.usage, "unknown resource type \"\(resource)\" (pods, deployments, replicasets, jobs)")
      }
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
        let pods = views.map(KubernetesPodView.pod)
        if output == "json" {
          let enc = JSONEncoder()
          enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
          let data = name != nil ? try enc.encode(pods[0]) : try enc.encode(KubernetesList(items: pods))
          print(String(decoding: data, as: UTF8.self))
        } else {
          let yaml = name != nil ? try YAMLEmitter.emit(encoding: pods[0]) : try YAMLEmitter.emit(encoding: KubernetesList(items: pods))
          print(yaml, terminator: "")
        }
      case nil, "wide":
        if views.isEmpty {
          FileHandle.standardError.write(Data("No resources found\(ns.selected.map { " in \($0) namespace" } ?? "").\n".utf8))
          return
        }
        let wide = output == "wide"
        var rows: [[String]] = [
          (ns.selected == nil ? ["NAMESPACE"] : []) + KubectlPodColumns.headers(wide: wide) + (showLabels ? ["LABELS"] : [])
        ]
        let now = Date()
        for v in views {
          var row =
            (ns.selected == nil ? [v.record.namespace] : []) + KubectlPodColumns(KubernetesPodView.pod(v), now: now).cells(wide: wide)
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
