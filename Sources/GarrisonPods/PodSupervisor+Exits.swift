import Foundation
import GarrisonCore
import GarrisonOCI
import GarrisonKernel

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
      auditing { try $0.exited(record, name, status: exit, oomKills: kills, cgroup: cgroup) }
      let reason = PodSyncDecision.exitReason(oomKilled: oom, exitCode: code)
      r.log.finish()
      do {
        try runtime.delete(id: record.runtimeID(name), force: true)
        try ContainerRootfs.unmount(containerDir: paths.container(name))
        for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(name, j)) }
      } catch {
        event("Warning", "CleanupFailed", "container \(name): \(error)")
      }
      let i = index(name)
      var signal: Int32?
      if case .signaled(let s) = exit { signal = s }
      status.containers[i].state = ContainerStateInfo(kind: .terminated, reason: reason, exitCode: code, signal: signal,
                                                      startedAt: r.startedAt, finishedAt: Date())
      status.containers[i].pid = nil
      status.containers[i].started = false
      probing[name] = nil
      killDeadline[name] = nil
      status.containers[i].ready = c.role == "init" && code == 0
      event(code == 0 ? "Normal" : "Warning", reason == "Completed" ? "Completed" : reason,
            "container \(name) \(exit)" + (oom ? " (memory limit reached: OOM killer)" : ""))
      if PodSyncDecision.backsOff(role: .init(record: c.role), policy: restartPolicy, exitCode: code) {
        bumpBackoff(name, ranFor: Date().timeIntervalSince(r.startedAt))
      }
      dirty = true
    }
    // The sandbox holder dying breaks the pod's namespaces: fail the pod.
    if let box = sandbox, !status.phase.isTerminal, !ProcessProbe.isAlive(box.process), !termination.isSet {
      fail(reason: "SandboxDied", "the sandbox process \(box.process.pid) exited")
    }
  }

  // MARK: stopping

  /// SIGTERM to every running container, SIGKILL after the grace period; then deletes them.
  func stopAll(grace: Double) {
    for name in running.keys { try? runtime.kill(id: record.runtimeID(name), signal: SIGTERM, all: true) }
    let deadline = Date(timeIntervalSinceNow: grace)
    while !running.isEmpty && Date() < deadline {
      reaper.waitForAnyExit(timeout: 0.1)
      collectExitsQuietly()
    }
    for name in running.keys { try? runtime.kill(id: record.runtimeID(name), signal: SIGKILL, all: true) }
    let hard = Date(timeIntervalSinceNow: 5)
    while !running.isEmpty && Date() < hard {
      reaper.waitForAnyExit(timeout: 0.1)
      collectExitsQuietly()
    }
  }

  func collectExitsQuietly() {
    let phase = status.phase
    collectExits()
    if !phase.isTerminal && status.phase != phase { status.phase = phase }
  }

  /// Removes what the supervisor created except the pod directory (volumes stay until `delete`).
  func tearDown() {
    for c in record.containers {
      do {
        try runtime.delete(id: record.runtimeID(c.name), force: true)
        try ContainerRootfs.unmount(containerDir: paths.container(c.name))
        for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(c.name, j)) }
      } catch {
        event("Warning", "CleanupFailed", "container \(c.name): \(error)")
      }
    }
    if let box = sandbox {
      ProcessProbe.signal(box.process, SIGKILL)
      _ = reaper.wait(box.process.pid, timeout: 5)
      status.sandbox = nil
    }
    do {
      try PodNetwork(config: record.network, run: { [reaper] in try Spawn.check($0, wait: reaper.wait) }).tearDown(ip: status.hostVeth == nil ? nil : status.podIP, veth: status.hostVeth)
    } catch {
      event("Warning", "CleanupFailed", "network: \(error)")
    }
    status.hostVeth = nil
    do {
      try OOMProbe.removeCgroups(parent: "/garrison/\(record.uid)")
    } catch {
      event("Warning", "CleanupFailed", "cgroups: \(error)")
    }
    dirty = true
  }

}
