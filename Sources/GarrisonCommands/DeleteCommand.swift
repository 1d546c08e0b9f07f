import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison delete pod NAME... | -f FILE`: stops the pod (SIGTERM, grace period, SIGKILL) and removes its
/// containers, sandbox, network, mounts, cgroups and state. Also cleans up after a killed supervisor.
struct DeleteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete pods (and ConfigMaps/Secrets given with -f).")

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String?
  @Option(name: [.short, .customLong("filename")], help: "Delete the objects of these manifests.") var files: [String] = []
  @Option(help: "Grace period in seconds (default: the pod's terminationGracePeriodSeconds).") var gracePeriod: Double?
  @Flag(help: "Exit 0 when the pod does not exist.") var ignoreNotFound = false
  @Argument(help: "pod NAME...") var arguments: [String] = []

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
      } else {
        guard let kind = arguments.first, ["pod", "pods", "po"].contains(kind), arguments.count > 1 else {
          throw GarrisonError(.usage, "usage: garrison delete pod NAME... | -f FILE")
        }
        for name in arguments.dropFirst() { try KubernetesNames.checkPodNameArgument(name) }
        targets = arguments.dropFirst().map { ("Pod", namespace ?? "default", $0) }
      }
      var missing = false
      for t in targets {
        switch t.kind {
        case "Pod":
          if try manager.delete(t.ns, t.name, grace: gracePeriod) {
            print("pod \"\(t.name)\" deleted")
          } else {
            missing = true
            Diagnostics.print(GarrisonError(.notFound, "pods \"\(t.name)\" not found in namespace \(t.ns)"), severity: "error")
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
