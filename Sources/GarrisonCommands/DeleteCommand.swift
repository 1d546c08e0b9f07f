import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison delete pod NAME... | -f FILE`: stops the pod (SIGTERM, grace period, SIGKILL) and removes its
/// containers, sandbox, network, mounts, cgroups and state. Also cleans up after a killed supervisor.
struct DeleteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete", abstract: "Delete pods, Deployments, ReplicaSets and Jobs (and ConfigMaps/Secrets given with -f).")

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String?
  @Option(name: [.short, .customLong("filename")], help: "Delete the objects of these manifests.") var files: [String] = []
  @Option(help: "Grace period in seconds (default: the pod's terminationGracePeriodSeconds).") var gracePeriod: Double?
  @Flag(help: "Exit 0 when the pod does not exist.") var ignoreNotFound = false
  @Option(
    help:
      "background (default: the workload goes, then its pods), foreground (its pods go, then the workload; it stays visible until then) or orphan (only the workload goes: a Deployment's ReplicaSets, or the pods, stay)."
  )
  var cascade: String = "background"
  @Argument(help: "pod|deployment|replicaset|job NAME..., or KIND/NAME...") var arguments: [String] = []

  func run() throws {
    try PodCLI.run {
      if let namespace { try KubernetesNames.checkNamespaceArgument(namespace) }
      let manager = rootOption.manager
      var targets: [(kind: String, ns: String, name: String)] = []
      if !files.isEmpty {
        let r = ManifestLoader.load(paths: files)
        for e in r.errors { Diagnostics.print(e, severity: "error") }
        if !r.errors.isEmpty { throw ExitCode(ExitCodes.badInput) }
        targets = r.objects.compactMap { o in o.metadata.name.map { (o.kind, namespace ?? o.namespace, $0) } }
      } else if let first = arguments.first, first.contains("/") {
        for a in arguments {
          var kind = "Pod"
          var name = PodCLI.podName(a)
          if let t = WorkloadKinds.split(a) {
            kind = t.kind
            name = t.name
          } else if !(a.hasPrefix("pod/") || a.hasPrefix("pods/")) {
            throw GarrisonError(.usage, "usage: garrison delete KIND/NAME... (pod, deployment, replicaset, job)")
          }
          try KubernetesNames.checkPodNameArgument(name)
          targets.append((kind, namespace ?? "default", name))
        }
      } else {
        guard let kindArg = arguments.first, arguments.count > 1,
          let kind = ["pod", "pods", "po"].contains(kindArg) ? "Pod" : WorkloadKinds.kind(kindArg)
        else {
          throw GarrisonError(.usage, "usage: garrison delete pod|deployment|replicaset|job NAME... | -f FILE")
        }
        for name in arguments.dropFirst() { try KubernetesNames.checkPodNameArgument(name) }
        targets = arguments.dropFirst().map { (kind, namespace ?? "default", $0) }
      }
      guard ["background", "foreground", "orphan"].contains(cascade) else {
        throw GarrisonError(.usage, "--cascade must be background, foreground or orphan")
      }
      var missing = false
      // Pods are deleted in parallel (each stops its own supervisor); results are reported in order.
      let podTargets = targets.enumerated().filter { $0.element.kind == "Pod" }
      let podResults = manager.delete(podTargets.map { (namespace: $0.element.ns, name: $0.element.name) }, grace: gracePeriod)
      var podResult: [Int: Result<Bool, Error>] = [:]
      for (k, t) in podTargets.enumerated() { podResult[t.offset] = podResults[k] }
      for (index, t) in targets.enumerated() {
        switch t.kind {
        case "Pod":
          if try podResult[index]!.get() {
            print("pod \"\(t.name)\" deleted")
          } else {
            missing = true
            Diagnostics.print(GarrisonError(.notFound, "pods \"\(t.name)\" not found in namespace \(t.ns)"), severity: "error")
          }
        case let kind where WorkloadKind.controlled.contains(kind):
          if try WorkloadManager(root: rootOption.path).delete(kind, t.ns, t.name, cascade: cascade, grace: gracePeriod) {
            print("\(WorkloadKinds.resource(kind)) \"\(t.name)\" deleted")
          } else {
            missing = true
            Diagnostics.print(WorkloadManager(root: rootOption.path).notFound(kind, t.ns, t.name), severity: "error")
          }
        case "ConfigMap", "Secret":
          if ObjectStore(root: rootOption.path).delete(kind: t.kind, namespace: t.ns, name: t.name) {
            print("\(t.kind.lowercased()) \"\(t.name)\" deleted")
          }
        default:
          Diagnostics.print(GarrisonError(.refused, "\(t.kind) \(t.name): garrison only runs Pods"), severity: "warning")
        }
      }
      if missing && !ignoreNotFound { throw ExitCode(ExitCodes.badInput) }
    }
  }
}
