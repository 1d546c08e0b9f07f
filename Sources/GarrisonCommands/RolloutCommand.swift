import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison rollout status|history|undo|restart deployment/NAME`, as kubectl.
struct RolloutCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rollout", abstract: "Follow, list, undo or restart a Deployment's rollouts.",
    discussion:
      "status waits until the rollout completes (exit 4 on --timeout, or when the Deployment exceeded its progressDeadlineSeconds); undo goes back to the previous revision or --to-revision."
  )

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String = "default"
  @Option(help: "undo: the revision to go back to (default: the previous one).") var toRevision: Int?
  @Option(help: "status: seconds to wait (0: forever).") var timeout: Double = 0
  @Flag(name: .customLong("watch"), inversion: .prefixedNo, help: "status: wait for the rollout to finish.") var watch = true
  @Argument(help: "status|history|undo|restart") var verb: String
  @Argument(help: "deployment/NAME") var arguments: [String] = []

  func run() throws {
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      let (kind, name) = try WorkloadArguments.target(arguments, verb: "rollout \(verb)")
      guard kind == "Deployment" else { throw GarrisonError(.usage, "rollout supports deployments only") }
      let manager = WorkloadManager(root: rootOption.path)
      guard let d = try manager.store.object(namespace, kind, name) else { throw manager.notFound(kind, namespace, name) }
      switch verb {
      case "status": try status(manager, d)
      case "history":
        let sets = try manager.replicaSets(of: d).sorted { $0.revision < $1.revision }
        var rows = [["REVISION", "CHANGE-CAUSE"]]
        for rs in sets { rows.append(["\(rs.revision)", rs.annotations["kubernetes.io/change-cause"] ?? "<none>"]) }
        print("\(d.displayName) ")
        print(PodCLI.table(rows), terminator: "")
      case "undo":
        let o = try manager.undo(namespace, name, toRevision: toRevision)
        print("\(o.displayName) rolled back")
      case "restart":
        let o = try manager.restart(namespace, name)
        print("\(o.displayName) restarted")
      default:
        throw GarrisonError(.usage, "unknown rollout command \"\(verb)\" (status, history, undo, restart)")
      }
    }
  }

  /// kubectl's rollout status messages, until the Deployment's status says the rollout is complete.
  func status(_ manager: WorkloadManager, _ d0: WorkloadObject) throws {
    try manager.ensureController(d0)
    let p = manager.store.paths(d0.namespace, d0.kind, d0.name)
    let deadline = timeout > 0 ? Date(timeIntervalSinceNow: timeout) : Date.distantFuture
    var last = ""
    while true {
      guard let d = try manager.store.object(d0.namespace, d0.kind, d0.name) else { throw manager.notFound(d0.kind, d0.namespace, d0.name) }
      let s = try manager.store.status(p)
      let want = d.spec.replicas
      var message: String
      if s.observedGeneration >= d.generation, s.conditionNamed("Progressing")?.reason == DeploymentProgress.progressDeadlineExceeded {
        throw GarrisonError(.system, "deployment \"\(d.name)\" exceeded its progress deadline")
      }
      if s.observedGeneration < d.generation {
        message = "Waiting for deployment spec update to be observed..."
      } else if s.updatedReplicas < want {
        message =
          "Waiting for deployment \"\(d.name)\" rollout to finish: \(s.updatedReplicas) out of \(want) new replicas have been updated..."
      } else if s.replicas > s.updatedReplicas {
        message =
          "Waiting for deployment \"\(d.name)\" rollout to finish: \(s.replicas - s.updatedReplicas) old replicas are pending termination..."
      } else if s.availableReplicas < s.updatedReplicas || s.condition != "Complete" {
        message =
          "Waiting for deployment \"\(d.name)\" rollout to finish: \(s.availableReplicas) of \(s.updatedReplicas) updated replicas are available..."
      } else {
        print("deployment \"\(d.name)\" successfully rolled out")
        return
      }
      if message != last { print(message); last = message }
      if !watch { return }
      if Date() > deadline { throw GarrisonError(.system, "timed out waiting for the rollout of deployment \"\(d.name)\"") }
      usleep(100_000)
    }
  }
}
