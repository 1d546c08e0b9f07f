import ArgumentParser
import GarrisonExec

/// `garrison exec [-n NS] [-i] [-t] [-c CONTAINER] POD -- COMMAND [ARGS...]`, as `kubectl exec`. The `garrison`
/// front end runs the exact forms itself (`ExecFastPath`); the others (help, repeated options) come here.
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
    let code = try ExecRequest(
      root: rootOption.root, namespace: namespace, container: container, stdin: stdin, tty: tty, pod: pod, command: command
    ).run()
    if code != 0 { throw ExitCode(code) }
  }
}
