import GarrisonCore
import GarrisonKernel
import GarrisonSupervisor
import Glibc

/// One `garrison exec [-n NS] [-i] [-t] [-c CONTAINER] POD -- COMMAND...`: what the command line named, run by
/// `run`. The front end's fast path (`ExecFastPath`) and the full CLI's `ExecCommand` both make one.
public struct ExecRequest: Sendable, Equatable {
  public var root: String?
  public var namespace: String
  public var container: String?
  public var stdin: Bool
  public var tty: Bool
  /// The pod argument as given (`NAME`, `pod/NAME` or `pods/NAME`).
  public var pod: String
  public var command: [String]

  public init(
    root: String?, namespace: String, container: String?, stdin: Bool, tty: Bool, pod: String, command: [String]
  ) {
    self.root = root
    self.namespace = namespace
    self.container = container
    self.stdin = stdin
    self.tty = tty
    self.pod = pod
    self.command = command
  }

  /// Runs the exec and returns the status `garrison exec` exits with: the command's (with kubectl's "command
  /// terminated with exit code N" on stderr when it is not 0), or, for a refused or failed exec, the documented
  /// code of the error, printed as every pod command prints it. An error that is not a `GarrisonError` is thrown
  /// (the caller reports it as ArgumentParser does: `FrontEnd.report`).
  public func run() throws -> Int32 {
    PhaseTrace.mark("exec parsed")
    let name = KubernetesNames.podName(argument: pod)
    let exec = PodExec(root: PodPaths.stateRoot(root))
    var code: Int32 = 0
    do {
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
      if let notice = target.notice { StandardError.write(notice + "\n") }
      if tty && isatty(0) != 1 && stdin {
        StandardError.write("Unable to use a TTY - input is not a terminal or the right kind of file\n")
      }
      code = try exec.run(target, command: command, tty: tty && (isatty(0) == 1 || !stdin), stdin: stdin)
    } catch let e as GarrisonError {
      StandardError.write(e.diagnosticLine(severity: "error") + "\n")
      return e.exitCode
    }
    if code != 0 { StandardError.write("command terminated with exit code \(code)\n") }
    return code
  }
}
