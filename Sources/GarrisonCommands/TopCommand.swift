import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonManifest
import GarrisonMetrics
import GarrisonPods

/// `garrison top pods|node`: CPU (millicores) and memory working set (Mi) from the cgroups, kubectl's columns.
struct TopCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "top", abstract: "Show CPU and memory use of pods or the node (kubectl top's columns).",
    subcommands: [TopPodsCommand.self, TopNodeCommand.self])
}

/// The sampling window both `top` commands share.
struct TopWindowOption: ParsableArguments {
  @Option(help: "CPU sampling window in milliseconds (default 500).") var windowMs = 500

  func window() throws -> Duration {
    guard (10...60_000).contains(windowMs) else { throw GarrisonError(.usage, "--window-ms must be between 10 and 60000") }
    return .milliseconds(windowMs)
  }
}

/// `garrison top pods [NAME] [-n NS | -A] [--containers] [--sort-by cpu|memory]`.
struct TopPodsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pods", abstract: "CPU (cores over the window, in millicores) and memory working set of running pods.",
    aliases: ["pod", "po"])

  @OptionGroup var rootOption: RootOption
  @OptionGroup var ns: NamespaceOption
  @OptionGroup var windowOption: TopWindowOption
  @Argument(help: "Pod name.") var name: String?
  @Flag(help: "One line per container.") var containers = false
  @Option(name: .customLong("sort-by"), help: "cpu or memory (largest first).") var sortBy: String?

  func run() throws {
    try PodCLI.run {
      try ns.check()
      if let name { try KubernetesNames.checkPodNameArgument(PodCLI.podName(name)) }
      guard sortBy == nil || sortBy == "cpu" || sortBy == "memory" else {
        throw GarrisonError(.usage, "--sort-by: \(Quoted.quoted(sortBy!)) is not cpu or memory")
      }
      let manager = rootOption.manager
      var views: [PodView]
      if let name {
        guard let v = try manager.view(ns.single, PodCLI.podName(name)) else {
          throw GarrisonError(.notFound, "pods \"\(PodCLI.podName(name))\" not found in namespace \(ns.single)")
        }
        views = [v]
      } else {
        views = try manager.list(namespace: ns.selected)
      }
      views = views.filter { !$0.status.phase.isTerminal }
      var rows = try TopSampler.pods(views, window: try windowOption.window(), containers: containers)
      switch sortBy {
      case "cpu": rows.sort { $0.cpuCores > $1.cpuCores }
      case "memory": rows.sort { $0.memoryBytes > $1.memoryBytes }
      default: break
      }
      if rows.isEmpty {
        FileHandle.standardError.write(Data("No resources found\(ns.selected.map { " in \($0) namespace" } ?? "").\n".utf8))
        return
      }
      let all = ns.selected == nil
      var table: [[String]] = [(all ? ["NAMESPACE"] : []) + (containers ? ["POD", "NAME"] : ["NAME"]) + ["CPU(cores)", "MEMORY(bytes)"]]
      for r in rows {
        table.append(
          (all ? [r.namespace] : []) + (containers ? [r.pod, r.container ?? ""] : [r.pod])
            + [ResourceFormat.millicores(r.cpuCores), ResourceFormat.mebibytes(r.memoryBytes)])
      }
      print(PodCLI.table(table), terminator: "")
    }
  }
}

/// `garrison top node`: this node's CPU and memory use against its allocatable resources.
struct TopNodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "node", abstract: "CPU and memory working set of this node, and their share of allocatable.", aliases: ["nodes", "no"])

  @OptionGroup var windowOption: TopWindowOption

  func run() throws {
    try PodCLI.run {
      let fit = try FitCheck.host()
      let use = try TopSampler.node(window: try windowOption.window())
      print(
        PodCLI.table([
          ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"],
          [
            ProcessInfo.processInfo.hostName, ResourceFormat.millicores(use.cpuCores),
            ResourceFormat.percent(use.cpuCores * 1000, of: Double(fit.allocatableMilliCPU)),
            ResourceFormat.mebibytes(use.memoryBytes), ResourceFormat.percent(Double(use.memoryBytes), of: Double(fit.allocatableMemory)),
          ],
        ]), terminator: "")
    }
  }
}
