#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI
import GarrisonRuntime
import GarrisonSupervisor
import Glibc

/// `garrison exec` into a pod whose runtime is the garrison-oci built beside this `garrison`: the runtime's exec
/// runs in this process instead of in a spawned garrison-oci. It is the same code (`OCIRuntime.exec`: the checks
/// that the exec is no more privileged than its container, garrison-init spawned with `posix_spawn`/`clone3`
/// into the container's namespaces and cgroup, the read-back of `/proc/<pid>/status` that kills a mismatching
/// process) and the same garrison-init, with the same state root; what goes is a process start, a second parse
/// and two of the four fsyncs an exec cost (bench/exec).
///
/// Audit, in the pod's log: `exec.started` stands for garrison-oci's `container.exec` (one event for one exec);
/// it is written before garrison-init is started and is durable before the init is let go to set up the
/// process (its fsync overlaps the init's start). `enforcement.readback` is written when the process is read
/// back, its fsync overlapping the process's run, and is durable before `exec.ended`, which is durable before
/// the exit status is reported. A refused or failed exec is recorded as garrison-oci records it
/// (`container.exec`, denied or error) with its `exec.ended`.
struct InProcessExec {
  let runtime: OCIRuntime
  let id: String

  /// The in-process runtime for a pod run by `config`, when `config.path` is the garrison-oci next to this
  /// executable (same build: same runtime code, same garrison-init); nil otherwise (crun, runc, or another
  /// garrison-oci build, which is spawned as any runtime is).
  static func runtime(for config: RuntimeConfig, id: String) -> InProcessExec? {
    guard Environment.value("GARRISON_EXEC_SPAWN_RUNTIME") == nil else { return nil }
    guard let exe = try? Kernel.readlink("/proc/self/exe"),
      let sibling = PathName.realPath(PathName.join(PathName.deletingLastComponent(exe), "garrison-oci")),
      let configured = PathName.realPath(config.path), sibling == configured,
      let launcher = try? InitLauncher.locate()
    else { return nil }
    let runtime = OCIRuntime(root: config.root, launcher: launcher, host: .current)
    runtime.warmUp()  // the sealed garrison-init handle is made while the audit log is opened and written
    return InProcessExec(runtime: runtime, id: id)
  }

  /// Runs `command` in the container with this process's stdio (stdin only when `stdin`); returns its exit
  /// status. `started` is the `exec.started` event; `ended` makes the `exec.ended` event from the status.
  func run(
    command: [String], tty: Bool, stdin: Bool, log: AuditLog, object: AuditObject, started: AuditEvent,
    ended: (_ code: Int32?, _ signal: Int32?) -> AuditEvent
  ) throws -> Int32 {
    let (_, startedSync) = try log.appendWithoutSync(started)
    let startedDurable = BackgroundJob { try startedSync.run() }
    PhaseTrace.mark("exec.started written")
    let readback = ReadbackDurability()
    var runtime = self.runtime
    runtime.onAttested = { report, _ in
      let (_, sync) = try log.appendWithoutSync(report.readbackEvent(object: object))
      readback.start(sync)
    }
    runtime.onGrantNotApplied = { _, _, _, withheld in
      StandardError.write("garrison: warning: \(withheld.warning) (the command runs without it)\n")
      try log.append(
        AuditEvent(
          kind: .enforcementFallback, outcome: .allowed, object: object,
          details: AuditDetails.fallback(
            mechanism: withheld.mechanism, requested: withheld.names.joined(separator: ","), applied: "none",
            reason: "\(withheld.field): \(withheld.reason)")))
    }
    if !stdin { try Self.detachStdin() }
    // Ctrl-C in a cooked terminal signals the whole foreground group: the runtime forwards it to the command
    // once it runs; until then (and after) this process stays to record how it ended.
    let ignored = [SIGINT, SIGQUIT, SIGTERM, SIGHUP].map { ($0, signal($0, SIG_IGN)) }
    defer { for (s, old) in ignored { signal(s, old) } }
    let status: Int32
    do {
      let process = try runtime.defaultExecProcess(id: id, args: command, extraEnv: [], cwd: nil)
      status = try runtime.exec(
        id: id, process: tty ? Self.withTerminal(process) : process, detach: false, pidFile: nil,
        beforeRun: {
          try startedDurable.wait()
          PhaseTrace.mark("exec.started durable")
        })
      PhaseTrace.mark("exited")
      try startedDurable.wait()
      try readback.wait()
      PhaseTrace.mark("readback durable")
    } catch {
      try? startedDurable.wait()
      try? readback.wait()
      let e = error as? GarrisonError ?? GarrisonError(.system, "\(error)")
      let outcome: AuditOutcome = (e.code == .refused || e.code == .unenforceable) ? .denied : .error
      _ = try? log.append([
        AuditEvent(
          kind: .containerExec, outcome: outcome, object: object,
          details: ["error": .string(e.description), "code": .string(e.code.rawValue)]),
        ended(e.exitCode, nil),
      ])
      throw error
    }
    // The runtime reports a signalled command as 128+N, as garrison-oci's exit status would.
    try log.append(ended(status, nil))
    PhaseTrace.mark("exec.ended durable")
    return status
  }

  /// `process` with a terminal (`--tty`): the runtime proxies the pty to this process's stdin and stdout.
  static func withTerminal(_ process: RuntimeSpec.Process) -> RuntimeSpec.Process {
    var p = process
    p.terminal = true
    return p
  }

  /// Without `-i` the command reads end of file, as with kubectl: stdin becomes /dev/null (garrison-init hands
  /// this process's descriptors 0–2 to the command).
  static func detachStdin() throws {
    do {
      let fd = try Kernel.open("/dev/null", flags: O_RDONLY | O_CLOEXEC)
      defer { if fd != 0 { Kernel.close(fd) } }
      if fd != 0 { try Kernel.dup2(fd, 0) }
    } catch {
      throw GarrisonError(.system, operation: "open /dev/null as stdin", "cannot detach stdin", errno: error.rawValue)
    }
  }
}

/// The fsync of the `enforcement.readback` event, on its own thread while the exec'd process runs (the runtime
/// calls `onAttested` on its thread, as a `@Sendable` closure).
final class ReadbackDurability: @unchecked Sendable {
  private let lock = Lock()
  private var job: BackgroundJob?

  func start(_ sync: AuditLog.PendingSync) {
    let j = BackgroundJob { try sync.run() }
    lock.withLock { job = j }
  }

  /// Waits for the fsync, if one was started; its failure is thrown here.
  func wait() throws {
    let j = lock.withLock { () -> BackgroundJob? in
      defer { job = nil }
      return job
    }
    try j?.wait()
  }
}
