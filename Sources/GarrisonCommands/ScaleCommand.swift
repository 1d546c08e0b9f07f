import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison scale deployment/NAME --replicas N` (also `scale deployment NAME`, ReplicaSets).
struct ScaleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "scale", abstract: "Set the replicas of a Deployment or ReplicaSet.")

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String = "default"
  @Option(help: "The new number of replicas.") var replicas: Int
  @Argument(help: "deployment/NAME, replicaset/NAME, or KIND NAME.") var arguments: [String] = []

  func run() throws {
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      let (kind, name) = try WorkloadArguments.target(arguments, verb: "scale")
      let o = try WorkloadManager(root: rootOption.path).scale(kind, namespace, name, replicas: replicas)
      print("\(o.displayName) scaled")
    }
  }
}

/// `KIND/NAME` or `KIND NAME` on a workload command line.
enum WorkloadArguments {
  static func target(_ arguments: [String], verb: String) throws -> (String, String) {
    var result: (kind: String, name: String)?
    if arguments.count == 1 { result = WorkloadKinds.split(arguments[0]) }
    if arguments.count == 2, let k = WorkloadKinds.kind(arguments[0]) { result = (k, arguments[1]) }
    guard let t = result else { throw GarrisonError(.usage, "usage: garrison \(verb) deployment/NAME") }
    try KubernetesNames.checkPodNameArgument(t.name)
    return (t.kind, t.name)
  }
}
