#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonOCI

/// Container exits (from the reaper), stopping the pod, and tearing down what the supervisor created.
extension PodSupervisor {
  func collectExits() {
    for (name, r) in running {
      guard let exit = reaper.take(r.pid) else { continue }
      running[name] = nil
      let c = record.containers.first { $0.name == name }!
      let cgroup = c.spec.linux?.cgroupsPath ?? ""
      var oom = false
      var kills: UInt64?
      do {
        kills = try OOMProbe.oomKills(cgroupsPath: cgroup)
        oom = (kills ?? 0) > 0
      } catch {
        event("Warning", "OOMUnknown", "container \(name): cannot read the OOM kill count: \(error)")
      }
      let code = exit.code
      let exitedEvents = PodAudit.exitedEvents(record, name, status: exit, oomKills: kills, cgroup: cgroup)
      let held = heldAudit
      heldAudit = []
      auditing { try $0.append(held + exitedEvents) }
      let reason = PodSyncDecision.exitReason(oomKilled: oom, exitCode: code)
      r.log.finish()
      PhaseTrace.mark("exit collected", name)
      // The runtime's state and the mounts go after the next containers started (`cleanUpExited`).
      if !pendingCleanup.contains(name) { pendingCleanup.append(name) }
      let i = index(name)
      var signal: Int32?
      if case .signaled(let s) = exit { signal = s }
      status.containers[i].state = ContainerStateInfo(
        kind: .terminated, reason: reason, exitCode: code, signal: signal,
        startedAt: r.startedAt, finishedAt: Date())
      status.containers[i].pid = nil
      status.containers[i].started = false
      probing[name] = nil
      killDeadline[name] = nil
      status.containers[i].ready = c.role == .initContainer && code == 0
      event(
        code == 0 ? "Normal" : "Warning", reason == "Completed" ? "Completed" : reason,
        "container \(name) \(exit)" + (oom ? " (memory limit reached: OOM killer)" : ""))
      // A failed init container: the app containers created ahead never start on this attempt.
      if c.role == .initContainer && code != 0 { discardCreatedAhead() }
      if PodSyncDecision.backsOff(role: c.role, policy: restartPolicy, exitCode: code) {
        bumpBackoff(name, ranFor: Date().timeIntervalSince(r.startedAt))
      }
      dirty = true
    }
    // The sandbox holder dying breaks the pod's namespaces: fail the pod.
    if let box = sandbox, !status.phase.isTerminal, !ProcessProbe.isAlive(box.process), !termination.isSet {
      fail(reason: "SandboxDied", "the sandbox process \(box.process.pid) exited")
    }
  }

  /// Removes the runtime state and mounts of containers that exited (before a restart prepares them again).
  func cleanUpExited() {
    let names = pendingCleanup
    pendingCleanup = []
    for name in names { cleanUp(name) }
  }

  /// Deletes one exited container from the runtime and unmounts its root and subPath binds.
  func cleanUp(_ name: String) {
    guard let c = record.containers.first(where: { $0.name == name }) else { return }
    do {
      try runtime.delete(id: record.runtimeID(name), force: true)
      try ContainerRootfs.unmount(containerDir: paths.container(name))
      for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(name, j)) }
    } catch {
      event("Warning", "CleanupFailed", "container \(name): \(error)")
    }
  }

  // MARK: stopping

  /// One SIGTERM wave to every running container (the runtime's `kill --all`, in parallel), SIGKILL to those
  /// left after the grace period; exits arrive through the reaper (no polling). With no grace period the SIGKILL
  /// wave is the only one (a SIGTERM followed at once by SIGKILL gives no process time to act on it, and cost a
  /// runtime invocation per container).
  func stopAll(grace: Double) {
    PhaseTrace.mark("stopping")
    if grace > 0 { signalAll(SIGTERM) }
    let deadline = Date(timeIntervalSinceNow: grace)
    while !running.isEmpty {
      let seen = reaper.generation
      collectExitsQuietly()
      let left = deadline.timeIntervalSinceNow
      if running.isEmpty || left <= 0 { break }
      reaper.waitForChange(from: seen, timeout: left)
    }
    if !running.isEmpty { signalAll(SIGKILL) }
    let hard = Date(timeIntervalSinceNow: 5)
    while !running.isEmpty {
      let seen = reaper.generation
      collectExitsQuietly()
      let left = hard.timeIntervalSinceNow
      if running.isEmpty || left <= 0 { break }
      reaper.waitForChange(from: seen, timeout: left)
    }
    PhaseTrace.mark("stopped")
  }

  /// `signal` to every process of every running container, the runtime invocations in parallel.
  func signalAll(_ signal: Int32) {
    let ids = running.keys.map { record.runtimeID($0) }
    let runtime = self.runtime
    BlockingFanOut.perform(ids.count) { k in
      try? runtime.kill(id: ids[k], signal: signal, all: true)
    }
  }

  func collectExitsQuietly() {
    let phase = status.phase
    collectExits()
    if !phase.isTerminal && status.phase != phase { status.phase = phase }
  }

  /// Removes what the supervisor created except the pod directory (volumes stay until `delete`).
  func tearDown() {
    var failed = false
    discardCreatedAhead()
    // The runtime knows only containers it was asked to run: their deletes run in parallel.
    let known = record.containers.filter {
      started.contains($0.name) || status.containers[index($0.name)].state.reason == "CreateContainerError"
    }
    let deletes = FanOutSlots<Error>(count: known.count)
    let runtime = self.runtime
    let record = self.record
    BlockingFanOut.perform(known.count) { k in
      do { try runtime.delete(id: record.runtimeID(known[k].name), force: true) } catch { deletes.set(k, error) }
    }
    for (k, c) in known.enumerated() {
      if let error = deletes.get(k) {
        failed = true
        event("Warning", "CleanupFailed", "container \(c.name): \(error)")
      }
    }
    pendingCleanup = []
    PhaseTrace.mark("runtime deleted")
    for c in record.containers {
      do {
        try ContainerRootfs.unmount(containerDir: paths.container(c.name))
        for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(c.name, j)) }
      } catch {
        failed = true
        event("Warning", "CleanupFailed", "container \(c.name): \(error)")
      }
    }
    if let box = sandbox {
      ProcessProbe.signal(box.process, SIGKILL)
      _ = reaper.wait(box.process.pid, timeout: 5)
      status.sandbox = nil
    }
    do {
      try PodNetwork(config: record.network, run: { [reaper] in try Spawn.check($0, wait: reaper.wait) }).tearDown(
        ip: status.hostVeth == nil ? nil : status.podIP, veth: status.hostVeth)
    } catch {
      failed = true
      event("Warning", "CleanupFailed", "network: \(error)")
    }
    status.hostVeth = nil
    do {
      try OOMProbe.removeCgroups(parent: cgroupParent)
    } catch {
      failed = true
      event("Warning", "CleanupFailed", "cgroups: \(error)")
    }
    status.tornDown = !failed && running.isEmpty
    PhaseTrace.mark("torn down")
    dirty = true
  }

}
