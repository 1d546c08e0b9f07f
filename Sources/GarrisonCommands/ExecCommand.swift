import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonManifest
import GarrisonPods

/// `garrison exec [-n NS] [-i] [-t] [-c CONTAINER] POD -- COMMAND [ARGS...]`, as `kubectl exec`.
struct ExecCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exec", abstract: "Run a command in a running container of a pod, confined as that container.",
    discussion: """
      The command joins the container's namespaces and cgroup and runs with the container's own enforcement plan:
      its user and groups, capabilities, no_new_privs, seccomp program, AppArmor profile and SELinux label (the
      pod's OCI runtime applies them; garrison-oci refuses an exec more privileged than its container and reads
      the process's credentials back). exec.started and exec.ended are written to the audit log.
      Without -c the first app container is used. The exit status is the command's; a non-zero one is reported
      as "command terminated with exit code N". Exit 2: unknown pod or container (the containers are listed);
      exit 3: the container is not running.
      """)

  @OptionGroup var rootOption: RootOption
  @Option(name: [.short, .customLong("namespace")], help: "Namespace (default: default).") var namespace: String = "default"
  @Option(name: [.short, .customLong("container")], help: "Container (default: the first app container).") var container: String?
  @Flag(name: [.customShort("i"), .customLong("stdin")], help: "Pass stdin to the command.") var stdin = false
  @Flag(name: [.short, .customLong("tty")], help: "Allocate a terminal in the container; this terminal goes raw until the command ends.")
  var tty = false
  @Argument(help: "Pod name (or pod/NAME).") var pod: String
  @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.") var command: [String] = []

  func validate() throws {
    if command.isEmpty {
      throw ValidationError("you must specify at least one command for the container, after -- (garrison exec POD -- COMMAND [ARGS...])")
    }
  }

  func run() throws {
    try Self.execute(
      root: rootOption.root, namespace: namespace, container: container, stdin: stdin, tty: tty, pod: pod, command: command)
  }

  /// What `run` does with the parsed values; `ExecFastPath` calls it with the values it recognised itself.
  static func execute(
    root: String?, namespace: String, container: String?, stdin: Bool, tty: Bool, pod: String, command: [String]
  ) throws {
    PhaseTrace.mark("exec parsed")
    let name = PodCLI.podName(pod)
    let exec = PodExec(manager: PodManager(root: PodPaths.stateRoot(root)))
    var code: Int32 = 0
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      try KubernetesNames.checkPodNameArgument(name)
      if let container { try KubernetesNames.checkContainerNameArgument(container) }
      let target: PodExec.Target
      do {
        target = try exec.target(namespace: namespace, pod: name, container: container)
      } catch let e as GarrisonError {
        exec.refused(namespace: namespace, pod: name, container: container, command: command, tty: tty, stdin: stdin, error: e)
        throw e
      }
      PhaseTrace.mark("pod read")
      if let notice = target.notice { FileHandle.standardError.write(Data((notice + "\n").utf8)) }
      if tty && isatty(0) != 1 && stdin {
        FileHandle.standardError.write(Data("Unable to use a TTY - input is not a terminal or the right kind of file\n".utf8))
      }
      code = try exec.run(target, command: command, tty: tty && (isatty(0) == 1 || !stdin), stdin: stdin)
    }
    if code != 0 {
      FileHandle.standardError.write(Data("command terminated with exit code \(code)\n".utf8))
      throw ExitCode(code)
    }
  }
}
