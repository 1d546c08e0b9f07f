import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// garrison-init's part in the OCI hooks (create mode only; `exec` never runs hooks):
/// - before the root switch, after every spec mount and device: with prestart/createRuntime hooks it sends
///   `hooks` and waits for `resume` while the runtime runs them in the runtime namespace; then it runs the
///   createContainer hooks itself, in the container's namespaces (paths resolve in the host's mount view, which
///   the container's mount namespace still shows), working directory the rootfs, state `creating`;
/// - after `start`, just before `execve`: the startContainer hooks, inside the container (paths resolve in the
///   container's root), with the process's final credentials, capabilities, LSM exec labels, no_new_privs and
///   seccomp filter, in the process's working directory, state `created` — as runc and crun run them.
/// Each finished hook is reported (`hook …`): createContainer runs on the sync socket, startContainer runs on the
/// report pipe at fd 7, which `start` reads. The state's pid is the init's own pid, which is what the
/// container's namespace sees (runtime-spec: "for hooks executed in the container namespace, the pid as seen by
/// the container").
enum InitHooks {
  /// Pauses for the runtime's hooks, then runs the createContainer hooks. Called by `RootfsSetup` right before
  /// `pivot_root` (or the `--no-pivot` move).
  static func beforeRootSwitch(_ spec: InitSpec, sync: inout SyncChannel) throws(InitFailure) {
    guard spec.mode == .create, let hooks = spec.hooks else { return }
    if hooks.pauseForRuntime {
      sync.send(.hooks)
      try sync.waitFor(.resume)
    }
    // Without `env` a createContainer hook gets an empty environment (the init's own), as under runc.
    let state = hooks.state.json(status: "creating", pid: Kernel.pid)
    try run(.createContainer, hooks.createContainer, state: state, defaultEnv: [], cwd: spec.rootfs) { sync.send($0) }
  }

  /// With startContainer hooks: the report pipe, its read end at fd 7 for `start` to open through /proc. Returns
  /// the write end (close-on-exec and non-blocking: a report nobody reads never stalls the init).
  static func openStartReport(_ spec: InitSpec) throws(InitFailure) -> Int32? {
    guard spec.mode == .create, let hooks = spec.hooks, !hooks.startContainer.isEmpty else { return nil }
    let pipe = try step("create the startContainer report pipe") { () throws(Errno) in try Kernel.pipe() }
    let fd = try step("move the report pipe to fd \(SyncProtocol.hookReportFD)") { () throws(Errno) -> Int32 in
      try Kernel.duplicate(pipe.read, atLeast: SyncProtocol.hookReportFD)
    }
    Kernel.close(pipe.read)
    guard fd == SyncProtocol.hookReportFD else {
      throw InitFailure(
        "move the report pipe to fd \(SyncProtocol.hookReportFD)",
        "fd \(SyncProtocol.hookReportFD) is in use")
    }
    try step("make the report pipe non-blocking") { () throws(Errno) in try Kernel.setNonBlocking(pipe.write) }
    return pipe.write
  }

  /// Runs the startContainer hooks after `start` (the report pipe from `openStartReport` gets every run and, on a
  /// failure, the error line, before the failure is thrown).
  static func startContainer(_ spec: InitSpec, report: Int32?) throws(InitFailure) {
    guard let report, let hooks = spec.hooks else { return }
    func send(_ message: SyncProtocol.Message) {
      do { try FileIO.writeAll(fd: report, Array((message.line + "\n").utf8)) } catch {}  // best effort, see above
    }
    // Without `env` a startContainer hook gets the container process's environment, as under runc.
    let state = hooks.state.json(status: "created", pid: Kernel.pid)
    do {
      try run(.startContainer, hooks.startContainer, state: state, defaultEnv: spec.env, cwd: nil, report: send)
    } catch {
      send(.error(step: error.step, text: error.text))
      throw error
    }
  }

  /// Runs `hooks` in order, reporting each; the first that does not exit 0 fails the init, naming its field.
  static func run(
    _ kind: HookKind, _ hooks: [InitSpec.Hook], state: [UInt8], defaultEnv: [String], cwd: String?,
    report: (SyncProtocol.Message) -> Void
  ) throws(InitFailure) {
    for (index, hook) in hooks.enumerated() {
      let outcome = HookProcess.run(hook, state: state, defaultEnv: defaultEnv, cwd: cwd)
      let run = HookReport(
        kind: kind, index: index, result: outcome.result,
        durationMicroseconds: outcome.durationMicroseconds)
      report(.hook(run))
      guard outcome.result.succeeded else {
        throw InitFailure(
          run.field,
          "\(kind.rawValue) hook \(hook.path) \(outcome.result.description)\(outcome.outputSummary)")
      }
    }
  }
}
