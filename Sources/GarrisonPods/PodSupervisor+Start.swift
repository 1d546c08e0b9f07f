import Foundation
import GarrisonCore
import GarrisonLSMHost
import GarrisonOCI

/// Starting one container: fresh overlay root, volume binds (subPaths resolved safely), bundle, runtime
/// `create` + `start` with its stdout/stderr piped into the CRI log.
extension PodSupervisor {
  func start(_ c: ContainerRecord) throws {
    let i = index(c.name)
    let restart = started.contains(c.name) ? status.containers[i].restartCount + 1 : 0
    let id = record.runtimeID(c.name)
    try runtime.delete(id: id, force: true)
    for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(c.name, j)) }
    let cdir = paths.container(c.name)
    let rootfs = try ContainerRootfs.mount(c.rootfs, containerDir: cdir,
                                           mountLabel: SELinuxLibrary.isEnabled ? c.spec.linux?.mountLabel : nil)
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
      binds.append(.init(source: from, destination: m.mountPath, readOnly: m.readOnly,
                         dataOnly: kind == .configMap || kind == .secret))
    }
    if let box = sandbox, !ProcessProbe.isAlive(box.process) {
      throw GarrisonError(.system, "the pod sandbox process \(box.process.pid) is gone")
    }
    let (spec, notes) = BundleSpec.patch(
      c.spec, join: sandbox?.joinEntries() ?? [:], rootfs: rootfs, binds: binds, hostname: record.hostname,
      container: c, runtime: record.runtime)
    if !noted.contains(c.name) {
      noted.insert(c.name)
      for n in notes.messages { event("Normal", "RuntimeAdjusted", "container \(c.name): \(n)") }
      for r in notes.removed {
        auditing { try $0.fallback(record, c.name, mechanism: r.mechanism, requested: r.requested,
                                   reason: "\(record.runtime.path) refuses \(r.mechanism) on this kernel; the setting was a default, not in the manifest") }
      }
    }
    try JSONFile.write(spec, to: paths.bundle(c.name) + "/config.json")

    let log = try ContainerLogWriter(path: paths.log(c.name, restart: restart))
    let out = try makePipe()
    let err = try makePipe()
    let pid: Int32
    do {
      pid = try runtime.create(id: id, bundle: paths.bundle(c.name), io: SpawnIO(stdout: out.write, stderr: err.write))
    } catch {
      for fd in [out.read, out.write, err.read, err.write] { close(fd) }
      log.finish(timeout: 0)
      throw error
    }
    close(out.write)
    close(err.write)
    log.copy(from: out.read, stream: "stdout")
    log.copy(from: err.read, stream: "stderr")
    do {
      try runtime.start(id: id)
    } catch {
      try? runtime.delete(id: id, force: true)
      log.finish(timeout: 1)
      throw error
    }
    let now = Date()
    running[c.name] = Running(pid: pid, log: log, startedAt: now)
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
    if let probes = c.probes, c.role != "init" {
      let scheduler = ProbeScheduler(probes: probes, startedAt: now)
      probing[c.name] = scheduler
      status.containers[i].started = scheduler.started
      status.containers[i].ready = scheduler.ready
    } else {
      probing[c.name] = nil
      status.containers[i].started = true
      status.containers[i].ready = c.role != "init"
    }

    event("Normal", "Started", "container \(c.name) (pid \(pid))" + (restart > 0 ? ", restart \(restart)" : ""))
    auditing { try $0.started(record, c, spec: spec, pid: pid, seccompProfile: c.seccompProfile) }
    dirty = true
  }

  /// Records exits reported by the reaper.
}
