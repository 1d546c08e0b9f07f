import GarrisonCore
import GarrisonKernel
import Glibc

/// App containers created ahead while the last init container runs: the runtime's `create` (namespaces,
/// mounts, cgroups; the process waits before `execve`) runs then, and their turn, once every init container
/// has succeeded, costs only the runtime's `start` (garrison-oci: the attestation and its audit event, so a
/// container is still reported running only once attested). No user process runs before its turn: a failed
/// init container, a stopped pod or a failed supervisor start deletes them (`discardCreatedAhead`); a supervisor
/// killed outright leaves them waiting in the runtime, where `delete` finds them by id. Which containers qualify:
/// `EarlyCreate.blocker`.
extension PodSupervisor {
  /// A container the runtime is creating, or has created, ahead of its turn.
  final class CreatedAhead: @unchecked Sendable {
    let prepared: PreparedStart
    /// The outcome of `create` (pid, log writer copying its output), set by `job`.
    let outcome = FanOutSlots<Result<(pid: Int32, log: ContainerLogWriter), Error>>(count: 1)
    var job: BackgroundJob?

    init(prepared: PreparedStart) { self.prepared = prepared }

    /// Waits for `create` to finish and returns its outcome.
    func created() -> Result<(pid: Int32, log: ContainerLogWriter), Error> {
      try? job?.wait()  // the body stores its outcome in the slot and does not throw
      job = nil
      return outcome.get(0) ?? .failure(GarrisonError(.system, "container \(prepared.container.name) was not created"))
    }
  }

  /// When `c` is the last init container (only app containers follow it), creates ahead, on other threads, the
  /// app containers after it whose roots and configs are prepared and that `EarlyCreate` allows.
  func createAhead(after c: ContainerRecord) {
    guard c.role == .initContainer, let k = record.containers.firstIndex(where: { $0.name == c.name }),
      record.containers[(k + 1)...].allSatisfy({ $0.role == .app })
    else { return }
    for app in record.containers[(k + 1)...] where !started.contains(app.name) && createdAhead[app.name] == nil {
      guard let p = preparedAhead[app.name] else { continue }
      if let why = EarlyCreate.blocker(app, volumes: record.volumes, namespaces: record.namespaces, rootfs: p.rootfs) {
        PhaseTrace.mark("not created ahead", "\(app.name): \(why)")
        continue
      }
      preparedAhead[app.name] = nil
      let ahead = CreatedAhead(prepared: p)
      ahead.job = BackgroundJob { ahead.outcome.set(0, Result { try self.launch(p, createOnly: true) }) }
      createdAhead[app.name] = ahead
    }
  }

  /// The container created ahead for `name`, if any, once its `create` has finished (no longer tracked).
  func takeCreatedAhead(_ name: String) -> CreatedAhead? {
    guard let ahead = createdAhead.removeValue(forKey: name) else { return nil }
    _ = ahead.created()
    return ahead
  }

  /// Starts a container created ahead (any thread): the runtime's `start`; on failure it is deleted. Its create
  /// error, if it failed, is this start's error.
  func release(_ ahead: CreatedAhead) throws -> (pid: Int32, log: ContainerLogWriter) {
    let launched = try ahead.created().get()
    let id = record.runtimeID(ahead.prepared.container.name)
    do {
      PhaseTrace.mark("runtime start", ahead.prepared.container.name)
      try runtime.start(id: id)
      PhaseTrace.mark("runtime started", ahead.prepared.container.name)
    } catch {
      try? runtime.delete(id: id, force: true)  // the start error is the one to report
      launched.log.finish(timeout: 1)
      throw error
    }
    return launched
  }

  /// Deletes every container created ahead (an init container failed, the pod stops): their processes never
  /// ran the user's command. Their roots are unmounted with the next cleanup, and they are prepared and created
  /// ahead again when the last init container runs again.
  func discardCreatedAhead() {
    guard !createdAhead.isEmpty else { return }
    let all = Array(createdAhead.values)
    createdAhead = [:]
    let failures = FanOutSlots<Error>(count: all.count)
    let runtime = self.runtime
    let record = self.record
    BlockingFanOut.perform(all.count) { k in
      guard case .success(let launched) = all[k].created() else { return }
      do { try runtime.delete(id: record.runtimeID(all[k].prepared.container.name), force: true) } catch {
        failures.set(k, error)
      }
      launched.log.finish(timeout: 1)
    }
    for (k, ahead) in all.enumerated() {
      let name = ahead.prepared.container.name
      if let error = failures.get(k) { event("Warning", "CleanupFailed", "container \(name): \(error)") }
      if !pendingCleanup.contains(name) { pendingCleanup.append(name) }
      preparedAheadTried.remove(name)
    }
    PhaseTrace.mark("created ahead deleted", "\(all.count) containers")
  }
}
