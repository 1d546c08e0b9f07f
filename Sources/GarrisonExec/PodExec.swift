#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonAudit
import GarrisonCore
import GarrisonPlan
import GarrisonKernel
import GarrisonSupervisor
import Glibc

/// `garrison exec`: a command run in a pod's container with that container's own enforcement plan.
///
/// Garrison never forks its Swift process into the pod: the pod's OCI runtime runs the command (`exec` of the
/// runc command line), which joins every namespace and the cgroup of the container's process through its static
/// init and applies the container's user, groups, capabilities, no_new_privs, seccomp program, AppArmor profile
/// and SELinux label; garrison-oci refuses an exec that would be more privileged than its container and reads
/// the exec'd process's credentials back from `/proc/<pid>/status` (killing it on a mismatch), as it does for
/// the container. Around it, `exec.started` and `exec.ended` go into the pod's audit log, and garrison-oci's own
/// `container.exec` and `enforcement.readback` events join them there (`GARRISON_AUDIT_DIR`). For a pod run by
/// the garrison-oci built beside this executable, that runtime code runs in this process (`InProcessExec`).
public struct PodExec: Sendable {
  /// The pod and container an exec runs in.
  public struct Target: Sendable {
    public var record: Record
    public var container: Record.Container
    public var status: Status.Container
    /// kubectl's `Defaulted container "a" out of: a, b, c (init)` when `-c` was not given and there was a choice.
    public var notice: String?
  }

  /// The state root (`PodPaths.stateRoot`).
  public let root: String
  public init(root: String) { self.root = root }

  /// Every container of the pod as kubectl lists them: app containers, then `NAME (init)` for init containers
  /// (sidecars included).
  static func containerList(_ record: Record) -> String {
    let apps = record.containers.filter { $0.role == .app }.map(\.name)
    let inits = record.containers.filter { $0.role != .app }.map { "\($0.name) (init)" }
    return (apps + inits).joined(separator: ", ")
  }

  /// Finds the container to exec into: `-c NAME`, else the first app container (kubectl's default).
  /// Unknown pod or container: `.notFound` (exit 2, the containers listed); not running: `.refused` (exit 3).
  public func target(namespace: String, pod: String, container: String?) throws -> Target {
    // The names become path components under the root.
    try KubernetesNames.checkNamespaceArgument(namespace)
    try KubernetesNames.checkPodNameArgument(pod)
    let paths = PodPaths(root: root, namespace: namespace, name: pod)
    guard let record = try Self.read(paths.record, Record.init(json:)) else {
      throw GarrisonError(.notFound, "pods \"\(pod)\" not found in namespace \"\(namespace)\"")
    }
    let podStatus = try Self.read(paths.status, Status.init(json:))
    // As `PodManager.view`: a pod whose supervisor is gone has no running container to exec into.
    let supervised = podStatus?.supervisor.map(ProcessProbe.isAlive) ?? false
    let chosen: Record.Container
    var notice: String?
    if let container {
      guard let c = record.containers.first(where: { $0.name == container }) else {
        throw GarrisonError(
          .notFound, "container \"\(container)\" not found in pod \"\(pod)\"; choose one of: \(Self.containerList(record))")
      }
      chosen = c
    } else {
      guard let c = record.containers.first(where: { $0.role == .app }) else {
        throw GarrisonError(.notFound, "pod \"\(pod)\" has no app container")
      }
      chosen = c
      if record.containers.count > 1 { notice = "Defaulted container \"\(c.name)\" out of: \(Self.containerList(record))" }
    }
    let status =
      podStatus?.containers.first { $0.name == chosen.name }
      ?? Status.Container(name: chosen.name, state: .waiting, runtimeID: PodRecord.runtimeID(uid: record.uid, container: chosen.name))
    guard supervised, status.state == .running else {
      let state = status.state == .terminated ? "terminated" : (status.state == .waiting ? "waiting" : "not supervised")
      let why =
        chosen.role == .initContainer && status.state == .terminated
        ? "init container \"\(chosen.name)\" has finished" : "container \"\(chosen.name)\" is not running (\(state))"
      throw GarrisonError(.refused, "cannot exec into pod \"\(pod)\": \(why)")
    }
    return Target(record: record, container: chosen, status: status, notice: notice)
  }

  /// The runtime command line: `<runtime> --root R exec [--tty] ID [--] COMMAND...`. crun and runc take
  /// everything after the id as the command (crun would run a `--`); garrison-oci drops a leading `--`.
  public static func runtimeArguments(_ target: Target, command: [String], tty: Bool) -> [String] {
    runtimeArguments(target.record.runtime, id: target.status.runtimeID, command: command, tty: tty)
  }

  /// The same for a runtime and container id (exec probes run this way too).
  public static func runtimeArguments(_ runtime: RuntimeConfig, id: String, command: [String], tty: Bool) -> [String] {
    OCIRuntimeBinary(path: runtime.path, root: runtime.root).execArguments(id: id, command: command, tty: tty)
  }

  /// Runs `command` in the target with the caller's stdio (stdin only when `stdin`), returning the command's
  /// exit status (128+N for a signal, as the runtime reports it). SIGINT/SIGQUIT/SIGTERM reach the runtime,
  /// which forwards them to the command; this process waits for it either way, so `exec.ended` is written.
  public func run(_ target: Target, command: [String], tty: Bool, stdin: Bool) throws -> Int32 {
    guard !command.isEmpty else { throw GarrisonError(.usage, "exec needs a command after --") }
    for (i, a) in command.enumerated() where a.utf8.contains(0) {
      throw GarrisonError(.usage, "command argument \(i) contains a NUL byte")
    }
    let record = target.record
    let audit = try PodAudit(root: root)
    PhaseTrace.mark("audit opened")
    let user = target.container.user
    let object = AuditObject(namespace: record.namespace, pod: record.name, podUID: record.uid, container: target.container.name)
    let started = AuditEvent(
      kind: .execStarted, outcome: .allowed, object: object,
      details: AuditDetails.execStarted(
        command: command, tty: tty, stdin: stdin, uid: user?.uid ?? 0, gid: user?.gid ?? 0,
        groups: user?.additionalGids ?? [], planSHA256: target.container.planDigest))
    func ended(_ code: Int32?, _ sig: Int32?, since clock: ContinuousClock.Instant) -> AuditEvent {
      let elapsed = ContinuousClock.now - clock
      let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
      return AuditEvent(
        kind: .execEnded, outcome: .allowed, object: object,
        details: AuditDetails.execEnded(command: command, exitCode: code, signal: sig, durationMicroseconds: micros))
    }
    if let inProcess = InProcessExec.runtime(for: record.runtime, id: target.status.runtimeID) {
      let clock = ContinuousClock.now
      return try inProcess.run(
        command: command, tty: tty, stdin: stdin, log: audit.log, object: object, started: started,
        ended: { code, sig in ended(code, sig, since: clock) })
    }
    try audit.append([started])  // an unrecorded exec does not run
    var env = ProcessInfo.processInfo.environment
    env["GARRISON_AUDIT_DIR"] = AuditPaths.directory(root: root)
    let clock = ContinuousClock.now
    let pid = try Spawn.start(
      Self.runtimeArguments(target, command: command, tty: tty),
      io: SpawnIO(stdin: stdin ? 0 : nil, stdout: 1, stderr: 2),
      environment: env.map { "\($0.key)=\($0.value)" })
    // Ctrl-C in a cooked terminal signals the whole foreground group: the runtime forwards it to the command,
    // and this process stays to collect the status.
    let ignored = [SIGINT, SIGQUIT, SIGTERM, SIGHUP].map { ($0, signal($0, SIG_IGN)) }
    defer { for (s, old) in ignored { signal(s, old) } }
    let status = try Spawn.waitPID(pid)
    let (code, sig): (Int32?, Int32?)
    switch status {
    case .exited(let c): (code, sig) = (c, nil)  // the runtime reports a signalled command as 128+N
    case .signaled(let s): (code, sig) = (128 + s, s)
    }
    try audit.append([ended(code, sig, since: clock)])
    return code ?? 1
  }

  /// Records an exec refused before anything ran (unknown or stopped container, bad command).
  public func refused(
    namespace: String, pod: String, container: String?, command: [String], tty: Bool, stdin: Bool,
    error: GarrisonError
  ) {
    let object = AuditObject(namespace: namespace, pod: pod, container: container)
    do {
      try PodAudit(root: root).append([
        AuditEvent(
          kind: .execStarted, outcome: .denied, object: object,
          details: AuditDetails.execStarted(
            command: command, tty: tty, stdin: stdin, uid: 0, gid: 0, groups: [],
            planSHA256: "", reason: error.message))
      ])
    } catch {
      StandardError.write("garrison: warning: cannot audit the refused exec: \(error)\n")
    }
  }
}
