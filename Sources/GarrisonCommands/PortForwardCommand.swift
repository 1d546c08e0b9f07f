import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPods

/// `garrison port-forward [-n NS] [--address A] pod/NAME [LOCAL_PORT:]REMOTE_PORT...`, as `kubectl port-forward`.
struct PortForwardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "port-forward", abstract: "Forward local ports to ports on a pod's loopback.",
    discussion: """
      Each local TCP connection is relayed to REMOTE_PORT on 127.0.0.1 inside the pod's network namespace (pods
      with --network none included), from a thread that joined it with setns(2): no host tool, no fork. ':80'
      picks a free local port. The listener binds 127.0.0.1 unless --address says otherwise (0.0.0.0 only when
      asked). Runs until Ctrl-C (exit 0) or until the pod stops (exit 4). portforward.opened and
      portforward.closed (connections, bytes each way) are written to the audit log.
      """)

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String = "default"
  @Option(help: "Local IPv4 address to listen on (127.0.0.1, localhost, 0.0.0.0, ...).") var address: String = "127.0.0.1"
  @Argument(help: "The pod: NAME or pod/NAME.") var pod: String
  @Argument(help: "[LOCAL_PORT:]REMOTE_PORT, one or more.") var ports: [String] = []

  func run() throws {
    let name = PodCLI.podName(pod)
    var code: Int32 = 0
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      try KubernetesNames.checkPodNameArgument(name)
      let mappings = try ports.map { try PortForward.Mapping(parsing: $0) }
      let forward = try PortForward(
        manager: rootOption.manager, namespace: namespace, pod: name,
        address: address == "localhost" ? "127.0.0.1" : address)
      code = try forward.run(mappings) { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
      }
    }
    if code != 0 { throw ExitCode(code) }
  }
}
