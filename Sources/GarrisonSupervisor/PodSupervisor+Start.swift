#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI

/// Starting containers in three steps: `prepare` (fresh overlay root, volume binds with subPaths resolved safely,
/// the bundle's config; on the supervisor's thread, possibly ahead of time while an earlier container runs),
/// `launch` (one runtime `run --detach` with stdout/stderr piped into the CRI log; several containers' launches
/// run in parallel) and `commit` (status, events, audit; on the supervisor's thread). A container is reported
/// running only after the runtime returned, i.e. after garrison-oci attested it.
extension PodSupervisor {
  /// A container whose root and config are ready for the runtime.
  struct PreparedStart {
    var container: ContainerRecord
    var spec: RuntimeSpec
    var notes: BundleSpec.Notes
    /// Which run of the container this is (0: the first), for the log file's name.
    var restart = 0
    /// Its mounted root on the host.
    var rootfs = ""
  }

  /// Starts one container (init containers, sidecars, restarts). While the runtime starts an init container, the
  /// containers after it get their roots and configs on this thread (`prepareAhead`), and, after the last init
  /// container, the app containers are created ahead (`createAhead`), so that their turn, which may come as soon
  /// as the runtime returns, costs only the runtime's `start` (`startTogether` releases those, one or several).
  func start(_ c: ContainerRecord) throws {
    let prepared = try takePrepared(c)
    reportAdjustments(prepared)
    let ahead = c.role == .initContainer ? containersAfter(c).filter { !preparedAheadTried.contains($0.name) } : []
    let launched: (pid: Int32, log: ContainerLogWriter)
    if c.role != .initContainer {
      launched = try launch(prepared)
    } else {
      let slot = FanOutSlots<Result<(pid: Int32, log: ContainerLogWriter), Error>>(count: 1)
      let job = BackgroundJob { slot.set(0, Result { try self.launch(prepared) }) }
      prepareAhead(ahead)
      createAhead(after: c)  // the app containers' `create` while this init container starts and runs
      try job.wait()  // the body stores its outcome in the slot and does not throw
      let outcome = slot.get(0)!
      if case .failure = outcome { discardCreatedAhead() }  // no init container runs: nothing may follow it
      launched = try outcome.get()
    }
    let startedEvent = try commit(prepared, launched)
    if reaper.hasExited(launched.pid) {
      // Already exited (a short init container): its start and exit go to the log in one durable append.
      heldAudit.append(startedEvent)
    } else {
      auditing { try $0.append([startedEvent]) }
    }
  }

  /// The containers after an init container that do not start before it completes (sidecars after it do, in order).
  func containersAfter(_ c: ContainerRecord) -> [ContainerRecord] {
    guard let k = record.containers.firstIndex(where: { $0.name == c.name }) else { return [] }
    return record.containers[(k + 1)...].filter { $0.role != .sidecar }
  }

  /// Starts `containers` (app containers whose turn it is) with their runtime launches in parallel; returns
  /// the failures by container name (each already unprepared), in order, for the caller to record.
  func startTogether(_ containers: [ContainerRecord]) -> [(ContainerRecord, Error)] {
    var failures: [(ContainerRecord, Error)] = []
    var ready: [(prepared: PreparedStart, ahead: CreatedAhead?)] = []
    for c in containers {
      if let ahead = takeCreatedAhead(c.name) {
        ready.append((ahead.prepared, ahead))
        continue
      }
      do { ready.append((try takePrepared(c), nil)) } catch { failures.append((c, error)) }
    }
    for p in ready { reportAdjustments(p.prepared) }
    let launches = FanOutSlots<Result<(pid: Int32, log: ContainerLogWriter), Error>>(count: ready.count)
    let batch = ready
    if batch.count > 1 { PhaseTrace.mark("parallel launch", "\(batch.count) containers") }
    // Containers created ahead only need the runtime's `start`; the others its `run`.
    BlockingFanOut.perform(batch.count) { k in
      launches.set(k, Result { try batch[k].ahead.map { try self.release($0) } ?? self.launch(batch[k].prepared) })
    }
    // Their `container.started` events in one durable commit, before the status reports them running.
    var events: [AuditEvent] = []
    for (k, p) in ready.enumerated() {
      do { events.append(try commit(p.prepared, launches.get(k)!.get())) } catch {
        failures.append((p.prepared.container, error))
      }
    }
    auditing { try $0.append(events) }
    return failures
  }

  /// The prepared start of `c`: the one made ahead of time if still valid, else a fresh one.
  func takePrepared(_ c: ContainerRecord) throws -> PreparedStart {
    if let box = sandbox, !ProcessProbe.isAlive(box.process) {
      throw GarrisonError(.system, "the pod sandbox process \(box.process.pid) is gone")
    }
    var p = try preparedAhead.removeValue(forKey: c.name) ?? prepare(c)
    p.restart = started.contains(c.name) ? status.containers[index(c.name)].restartCount + 1 : 0
    return p
  }

  /// Prepares the first start of `containers` while an earlier container runs (init containers): their roots
  /// are mounted and configs written, so their turn costs only the runtime. Failures are left for the start
  /// itself to report. A container with a subPath mount is not prepared ahead: its subPath is resolved (and
  /// created) only once the init containers, which may populate the volume, have finished, as kubelet does.
  func prepareAhead(_ containers: [ContainerRecord]) {
    for c in containers where !started.contains(c.name) && !preparedAheadTried.contains(c.name) {
      guard !c.volumeMounts.contains(where: { !($0.subPath ?? "").isEmpty }) else { continue }
      preparedAheadTried.insert(c.name)  // once: a failed preparation is repeated (and reported) at its start
      if let p = try? prepare(c) { preparedAhead[c.name] = p }
    }
  }

  /// Mounts `c`'s root and volume binds and writes its bundle config.
  func prepare(_ c: ContainerRecord) throws -> PreparedStart {
    PhaseTrace.mark("prepare", c.name)
    let id = record.runtimeID(c.name)
    if let k = pendingCleanup.firstIndex(of: c.name) {
      pendingCleanup.remove(at: k)
      cleanUp(c.name)
    }
    // A restart: the runtime still knows the previous run if its cleanup failed. A first start has nothing.
    if started.contains(c.name) { try runtime.delete(id: id, force: true) }
    for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(c.name, j)) }
    let cdir = paths.container(c.name)
    let rootfs = try ContainerRootfs.mount(
      c.rootfs, containerDir: cdir,
      mountLabel: host.seLinuxEnabled ? c.spec.linux?.mountLabel : nil)
    if !status.mounts.contains(rootfs) { status.mounts.append(rootfs) }
    var binds: [BundleSpec.VolumeBind] = []
    for (j, m) in c.volumeMounts.enumerated() {
      guard let source = volumeSources[m.volume] else {
        throw GarrisonError(.notFound, "volume \(m.volume) is not prepared", field: FieldPath(m.field + ".name"))
      }
      var from = source
      if let sub = m.subPath, !sub.isEmpty {
        let target = paths.subpath(c.name, j)
        try SubPath.bindMount(volumeRoot: source, subPath: sub, target: target, field: m.field + ".subPath", create: true)
        if !status.mounts.contains(target) { status.mounts.append(target) }
        from = target
      }
      let kind = record.volumes.first { $0.name == m.volume }?.kind
      binds.append(
        .init(
          source: from, destination: m.mountPath, readOnly: m.readOnly,
          dataOnly: kind == .configMap || kind == .secret))
    }
    let (spec, notes) = BundleSpec.patch(
      c.spec, join: sandbox?.joinEntries() ?? [:], rootfs: rootfs, binds: binds, hostname: record.hostname,
      container: c, runtime: record.runtime, host: host)
    // Not fsync'd: the runtime reads it at once, and it means nothing after a crash of the machine (the runtime's
    // state files are not fsync'd either).
    try JSONFile.write(spec, to: paths.bundle(c.name) + "/config.json", durable: false)
    PhaseTrace.mark("prepared", c.name)
    return PreparedStart(container: c, spec: spec, notes: notes, rootfs: rootfs)
  }

  /// Runs the runtime for a prepared container (any thread: reads only immutable state). Returns the pid and
  /// the log writer already copying its output.
  /// With `createOnly`, the runtime's `create`: the process waits for `start` (`release`).
  func launch(_ p: PreparedStart, createOnly: Bool = false) throws -> (pid: Int32, log: ContainerLogWriter) {
    let c = p.container
    let log = try ContainerLogWriter(path: paths.log(c.name, restart: p.restart))
    let out = try makePipe()
    let err: (read: Int32, write: Int32)
    do { err = try makePipe() } catch {
      close(out.read)
      close(out.write)
      log.finish(timeout: 0)
      throw error
    }
    // The log copies run while the runtime starts the container (its output is never held up by a full pipe).
    log.copy(from: out.read, stream: "stdout")
    log.copy(from: err.read, stream: "stderr")
    let pid: Int32
    do {
      let io = SpawnIO(stdout: out.write, stderr: err.write)
      PhaseTrace.mark(createOnly ? "runtime create" : "runtime run", c.name)
      pid =
        createOnly
        ? try runtime.create(id: record.runtimeID(c.name), bundle: paths.bundle(c.name), io: io)
        : try runtime.run(id: record.runtimeID(c.name), bundle: paths.bundle(c.name), io: io)
      PhaseTrace.mark(createOnly ? "runtime created" : "runtime returned", c.name)
    } catch {
      close(out.write)
      close(err.write)
      try? runtime.delete(id: record.runtimeID(c.name), force: true)
      log.finish(timeout: 1)
      throw error
    }
    close(out.write)
    close(err.write)
    return (pid, log)
  }

  /// Records a launched container as running: status and the `Started` event; returns its `container.started`
  /// audit event, which the caller appends before the status is saved.
  func commit(_ p: PreparedStart, _ launched: (pid: Int32, log: ContainerLogWriter)) throws -> AuditEvent {
    let c = p.container
    let i = index(c.name)
    let pid = launched.pid
    let restart = started.contains(c.name) ? status.containers[i].restartCount + 1 : 0
    let now = Date()
    running[c.name] = Running(pid: pid, log: launched.log, startedAt: now)
    if started.contains(c.name) {
      status.containers[i].restartCount += 1
      if status.containers[i].state.kind == .terminated { status.containers[i].lastState = status.containers[i].state }
    }
    started.insert(c.name)
    status.containers[i].state = ContainerStateInfo(kind: .running, startedAt: now)
    status.containers[i].pid = pid
    // Without probes a running container has started and is ready (an init container is ready once it completes);
    // with probes, the scheduler decides.
    containerRun[c.name, default: 0] += 1
    killDeadline[c.name] = nil
    if let probes = c.probes, c.role != .initContainer {
      let scheduler = ProbeScheduler(probes: probes, startedAt: now)
      probing[c.name] = scheduler
      status.containers[i].started = scheduler.started
      status.containers[i].ready = scheduler.ready
    } else {
      probing[c.name] = nil
      status.containers[i].started = true
      status.containers[i].ready = c.role != .initContainer
    }

    event("Normal", "Started", "container \(c.name) (pid \(pid))" + (restart > 0 ? ", restart \(restart)" : ""))
    dirty = true
    return PodAudit.startedEvent(record, c, spec: p.spec, pid: pid, seccompProfile: c.seccompProfile)
  }

  /// The runtime's adjustments of a container's defaults, reported once per container (events and audit).
  func reportAdjustments(_ p: PreparedStart) {
    let c = p.container
    guard !noted.contains(c.name) else { return }
    noted.insert(c.name)
    for n in p.notes.messages { event("Normal", "RuntimeAdjusted", "container \(c.name): \(n)") }
    for r in p.notes.removed {
      auditing {
        try $0.fallback(
          record, c.name, mechanism: r.mechanism, requested: r.requested,
          reason: "\(record.runtime.path) refuses \(r.mechanism) on this kernel; the setting was a default, not in the manifest")
      }
    }
  }
}
