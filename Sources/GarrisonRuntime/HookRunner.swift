import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// One finished OCI hook run, wherever it ran (the runtime's own, or one garrison-init reported): what the audit
/// hook (`OCIRuntime.onHookRun`) receives for every run, successful or not.
public struct HookRun: Sendable {
  public var containerID: String
  public var annotations: [String: String]
  public var kind: HookKind
  public var index: Int
  public var path: String
  public var result: HookResult
  public var durationMicroseconds: UInt64
  /// Why it failed, with the end of its output (nil when it succeeded).
  public var message: String?

  /// The config.json field naming it: `hooks.poststop[1].path`.
  public var field: String { kind.pathField(index) }
}

/// Runs a container's runtime-namespace hooks (prestart, createRuntime, poststart, poststop) with `HookProcess`
/// and passes every run — these and the ones garrison-init reports — to `sink`. The state on stdin has the host
/// pid; a hook without `env` inherits the runtime's environment and runs in the bundle directory (both as runc
/// and crun do), or in `/` once the bundle is gone.
struct HookRunner {
  let hooks: OCIHooks
  let state: HookState
  let sink: (@Sendable (HookRun) throws -> Void)?

  /// prestart, then createRuntime (during create, the container process paused before its root switch). The
  /// first failure throws, naming the hook's field. prestart gets status `created` (runtime-spec's lifecycle runs
  /// it after the container is created; runtime-tools checks it, crun gives it), createRuntime `creating`.
  func runCreateRuntime(pid: Int32) throws {
    try run(.prestart, status: "created", pid: pid, keepGoing: false)
    try run(.createRuntime, status: "creating", pid: pid, keepGoing: false)
  }

  /// poststart (after the user process has executed and was attested). runtime-spec: "If any poststart hook
  /// fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had
  /// succeeded": every hook runs, each failure is in the run passed to `sink` (warning and audit event). Throws
  /// only what `sink` threw.
  func runPoststart(pid: Int32) throws { try run(.poststart, status: "running", pid: pid, keepGoing: true) }

  /// poststop (after delete removed the container): every hook runs even when one fails (runtime-spec: a
  /// failure is a warning); the failures are in the runs passed to `sink`. Throws only what `sink` threw.
  func runPoststop() throws { try run(.poststop, status: "stopped", pid: nil, keepGoing: true) }

  /// A hook garrison-init ran and reported (its output, if it failed, comes with the init's `error` line).
  func record(_ report: HookReport) throws {
    let list = hooks[report.kind]
    guard !report.kind.runsInRuntimeNamespace, report.index < list.count else {
      throw GarrisonError(.system, operation: "init", "garrison-init reported an unknown hook \(report.field)")
    }
    let path = list[report.index].path
    try sink?(
      HookRun(
        containerID: state.id, annotations: state.annotations, kind: report.kind, index: report.index,
        path: path, result: report.result, durationMicroseconds: report.durationMicroseconds,
        message: report.result.succeeded
          ? nil : "\(report.kind.rawValue) hook \(path) \(report.result.description)"))
  }

  private func run(_ kind: HookKind, status: String, pid: Int32?, keepGoing: Bool) throws {
    let list = hooks[kind]
    guard !list.isEmpty else { return }
    let document = state.json(status: status, pid: pid)
    let cwd = access(state.bundle, X_OK) == 0 ? state.bundle : "/"
    var sinkError: Error?
    for (index, hook) in list.enumerated() {
      let outcome = HookProcess.run(hook, state: document, defaultEnv: Self.runtimeEnvironment(), cwd: cwd)
      let failed =
        outcome.result.succeeded
        ? nil
        : "\(kind.rawValue) hook \(hook.path) \(outcome.result.description)\(outcome.outputSummary)"
      let run = HookRun(
        containerID: state.id, annotations: state.annotations, kind: kind, index: index,
        path: hook.path, result: outcome.result, durationMicroseconds: outcome.durationMicroseconds,
        message: failed)
      do { try sink?(run) } catch {
        if !keepGoing { throw error }
        sinkError = sinkError ?? error
      }
      if let failed, !keepGoing { throw GarrisonError(.system, failed, field: FieldPath(run.field)) }
    }
    if let sinkError { throw sinkError }
  }

  /// The runtime's own environment (`environ`), the default of runtime-namespace hooks without `env`.
  static func runtimeEnvironment() -> [String] {
    var out: [String] = []
    guard var p = Optional(environ) else { return out }
    while let entry = p.pointee {
      out.append(String(cString: entry))
      p += 1
    }
    return out
  }
}

extension HookRunner {
  /// The runner of a stored container.
  init(record: RuntimeContainerRecord, sink: (@Sendable (HookRun) throws -> Void)?) {
    self.init(
      hooks: record.hooks ?? OCIHooks(lists: [:]),
      state: HookState(id: record.id, bundle: record.bundle, annotations: record.annotations ?? [:]),
      sink: sink)
  }
}
