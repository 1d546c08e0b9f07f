import Foundation
import GarrisonCore
import GarrisonOCI

/// The per-pod supervisor (`garrison supervise`): holds the sandbox, prepares volumes, starts init containers
/// one at a time, sidecars in order, then app containers; restarts them per restartPolicy with backoff; is the
/// single reaper of their exit statuses; writes logs and `status.json`. One process per pod, daemonless.
public final class PodSupervisor: @unchecked Sendable {
  let paths: PodPaths
  let record: PodRecord
  let reaper = Reaper()
  let runtime: OCIRuntimeBinary
  var status: PodStatus
  var sandbox: Sandbox?
  var volumeSources: [String: String] = [:]
  var running: [String: Running] = [:]
  /// When each container may start again (backoff), and how many back-to-back failures count toward it.
  var notBefore: [String: Date] = [:]
  var backoffCount: [String: Int] = [:]
  var started: Set<String> = []
  /// Containers whose runtime adjustments were already reported.
  var noted: Set<String> = []
  let termination = TerminationFlag()
  var dirty = true
  /// The audit log (nil if it could not be opened: recorded as a pod event and on stderr).
  var audit: PodAudit?

  struct Running {
    var pid: Int32
    var log: ContainerLogWriter
    var startedAt: Date
  }

  public init(paths: PodPaths, record: PodRecord) {
    self.paths = paths
    self.record = record
    let r = reaper
    self.runtime = OCIRuntimeBinary(path: record.runtime.path, root: record.runtime.root, waiter: { r.wait($0) })
    var st = PodStatus(phase: .pending, containers: record.containers.map {
      ContainerStatus(name: $0.name, role: $0.role, runtimeID: record.runtimeID($0.name))
    })
    st.cgroupParent = "/garrison/\(record.uid)"
    self.status = st
  }

  /// Runs the pod until it finishes or the supervisor is told to stop (SIGTERM); returns the exit code.
  public func run() -> Int32 {
    status.supervisor = ProcessProbe.ref(getpid())
    status.startedAt = Date()
    termination.install { [reaper] in reaper.poke() }
    do {
      audit = try PodAudit(root: paths.root)
    } catch {
      event("Warning", "AuditUnavailable", "cannot open the audit log: \(error)")
    }
    do {
      try reaper.start()
      try setUpSandbox()
    } catch {
      event("Warning", "FailedCreatePodSandBox", "\(error)")
      status.phase = .failed
      status.reason = "SandboxFailed"
      status.message = "\(error)"
      tearDown()
      save()
      return 1
    }
    while true {
      let seen = reaper.generation
      collectExits()
      if termination.isSet {
        let requested = (try? JSONFile.read(StopRequest.self, from: paths.stopRequest))??.gracePeriodSeconds
        event("Normal", "Killing", "stopping the pod (grace period \(requested ?? Double(record.terminationGracePeriodSeconds))s)")
        save()
        stopAll(grace: requested ?? Double(record.terminationGracePeriodSeconds))
        tearDown()
        save()
        return 0
      }
      step()
      if dirty { save() }
      if status.phase.isTerminal {
        stopAll(grace: Double(record.terminationGracePeriodSeconds))
        tearDown()
        save()
        return 0
      }
      reaper.waitForChange(from: seen, timeout: nextWakeup())
    }
  }

  // MARK: sandbox

  func setUpSandbox() throws {
    if Sandbox.needed(record.namespaces) {
      let box = try Sandbox.start(record.namespaces)
      sandbox = box
      status.sandbox = box.process
      if !record.namespaces.hostNetwork {
        let net = PodNetwork(config: record.network, run: { [reaper] in try Spawn.check($0, wait: reaper.wait) })
        let (ip, veth) = try net.setUp(sandbox: box, uid: record.uid, owner: "\(paths.root) \(record.namespace)/\(record.name)")
        status.podIP = ip
        status.hostVeth = veth
      }
    }
    if record.namespaces.hostNetwork { status.podIP = HostAddress.primary(wait: reaper.wait) }
    let preparer = VolumePreparer(paths: paths, fsGroup: record.fsGroup)
    for v in record.volumes {
      let (source, mounts) = try preparer.prepare(v)
      volumeSources[v.name] = source
      status.mounts += mounts
    }
    event("Normal", "SandboxReady", "sandbox \(sandbox.map { "pid \($0.process.pid)" } ?? "(host namespaces)")" + (status.podIP.map { ", IP \($0)" } ?? ""))
    save()
  }

  // MARK: lifecycle

  var policy: String { record.restartPolicy }

  func index(_ name: String) -> Int { status.containers.firstIndex { $0.name == name }! }

  /// Whether a terminated container should run again.
  func shouldRestart(_ c: ContainerRecord, exitCode: Int32) -> Bool {
    if c.role == "sidecar" { return true }
    switch policy {
    case "Always": return true
    case "OnFailure": return exitCode != 0
    default: return false
    }
  }

  func step() {
    let now = Date()
    // Init containers (one at a time, to completion) and sidecars (started in order, kept running).
    for c in record.containers where c.role != "app" {
      let st = status.containers[index(c.name)]
      if c.role == "sidecar" {
        if !started.contains(c.name) || (running[c.name] == nil && st.state.kind != .running) {
          // Later containers wait for a sidecar's first start, not for its restarts.
          if !tryStart(c, now: now) && !started.contains(c.name) { return }
        }
        continue
      }
      if st.state.kind == .terminated && st.state.exitCode == 0 && running[c.name] == nil { continue }
      if running[c.name] != nil { return }
      if started.contains(c.name) || st.state.reason == "CreateContainerError" {
        // Failed init container.
        if policy == "Never" {
          fail(reason: "Init:Error", "init container \(c.name) failed and restartPolicy is Never")
          return
        }
      }
      _ = tryStart(c, now: now)
      return
    }
    // App containers.
    for c in record.containers where c.role == "app" {
      let st = status.containers[index(c.name)]
      if running[c.name] != nil { continue }
      if !started.contains(c.name) && st.state.reason != "CreateContainerError" {
        _ = tryStart(c, now: now)
        continue
      }
      let code = st.state.exitCode ?? 1
      if st.state.kind == .terminated && !shouldRestart(c, exitCode: code) { continue }
      if st.state.kind == .waiting && st.state.reason == "CreateContainerError" && policy == "Never" { continue }
      _ = tryStart(c, now: now)
    }
    updatePhase()
  }

  /// Starts `c` unless it is backing off; false while it cannot run yet.
  func tryStart(_ c: ContainerRecord, now: Date) -> Bool {
    if let t = notBefore[c.name], t > now {
      let i = index(c.name)
      if status.containers[i].state.kind == .terminated {
        status.containers[i].lastState = status.containers[i].state
      }
      if status.containers[i].state.reason != "CrashLoopBackOff" && status.containers[i].state.reason != "CreateContainerError" {
        let wait = Int((t.timeIntervalSince(now)).rounded(.up))
        status.containers[i].state = .waiting("CrashLoopBackOff", "back-off \(wait)s restarting failed container=\(c.name) pod=\(record.name)")
        dirty = true
      }
      return false
    }
    do {
      try start(c)
      return true
    } catch {
      let i = index(c.name)
      let e = error as? GarrisonError
      status.containers[i].state = .waiting("CreateContainerError", e?.description ?? "\(error)")
      event("Warning", "Failed", "container \(c.name): \(e?.description ?? "\(error)")")
      bumpBackoff(c.name, ranFor: 0)
      dirty = true
      if policy == "Never" || c.role == "init" && policy == "Never" {
        if c.role != "sidecar" { fail(reason: "CreateContainerError", "container \(c.name) could not be created: \(e?.message ?? "\(error)")") }
      }
      return false
    }
  }

  func bumpBackoff(_ name: String, ranFor: Double) {
    let n = ranFor >= record.backoff.resetAfter ? 1 : (backoffCount[name] ?? 0) + 1
    backoffCount[name] = n
    notBefore[name] = Date(timeIntervalSinceNow: record.backoff.delay(restarts: n))
  }

  func start(_ c: ContainerRecord) throws {
    let i = index(c.name)
    let restart = started.contains(c.name) ? status.containers[i].restartCount + 1 : 0
    let id = record.runtimeID(c.name)
    try runtime.delete(id: id, force: true)
    for (j, _) in c.volumeMounts.enumerated() { try Mounts.unmount(paths.subpath(c.name, j)) }
    let cdir = paths.container(c.name)
    let rootfs = try ContainerRootfs.mount(c.rootfs, containerDir: cdir)
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
      binds.append(.init(source: from, destination: m.mountPath, readOnly: m.readOnly))
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
    event("Normal", "Started", "container \(c.name) (pid \(pid))" + (restart > 0 ? ", restart \(restart)" : ""))
    auditing { try $0.started(record, c, spec: spec, pid: pid, seccompProfile: c.seccompProfile) }
    dirty = true
  }

  /// Records exits reported by the reaper.
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
      let reason = oom ? "OOMKilled" : (code == 0 ? "Completed" : "Error")
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
      event(code == 0 ? "Normal" : "Warning", reason == "Completed" ? "Completed" : reason,
            "container \(name) \(exit)" + (oom ? " (memory limit reached: OOM killer)" : ""))
      if code != 0 || c.role == "sidecar" || policy == "Always" {
        bumpBackoff(name, ranFor: Date().timeIntervalSince(r.startedAt))
      }
      dirty = true
    }
    // The sandbox holder dying breaks the pod's namespaces: fail the pod.
    if let box = sandbox, !status.phase.isTerminal, !ProcessProbe.isAlive(box.process), !termination.isSet {
      fail(reason: "SandboxDied", "the sandbox process \(box.process.pid) exited")
    }
  }

  func updatePhase() {
    guard !status.phase.isTerminal else { return }
    let apps = record.containers.filter { $0.role == "app" }
    let appStatuses = apps.map { status.containers[index($0.name)] }
    var phase: PodPhase = .pending
    if apps.allSatisfy({ started.contains($0.name) }) {
      let finished = zip(apps, appStatuses).allSatisfy { c, s in
        running[c.name] == nil && s.state.kind == .terminated && !shouldRestart(c, exitCode: s.state.exitCode ?? 1)
      }
      if finished {
        phase = appStatuses.allSatisfy { $0.state.exitCode == 0 } ? .succeeded : .failed
      } else {
        phase = .running
      }
    } else if policy == "Never" && zip(apps, appStatuses).contains(where: { c, s in s.state.reason == "CreateContainerError" }) {
      phase = .failed
    }
    if phase != status.phase {
      status.phase = phase
      if phase == .failed { status.reason = status.reason ?? "Error" }
      if phase == .succeeded { status.reason = "Completed" }
      event("Normal", "Phase", "pod is \(phase.rawValue)")
      dirty = true
    }
  }

  func fail(reason: String, _ message: String) {
    guard !status.phase.isTerminal else { return }
    status.phase = .failed
    status.reason = reason
    status.message = message
    event("Warning", reason, message)
    dirty = true
  }

  func nextWakeup() -> Double {
    let now = Date()
    let soonest = notBefore.values.filter { $0 > now }.min()
    return max(0.01, min(1.0, soonest.map { $0.timeIntervalSince(now) + 0.005 } ?? 1.0))
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

  // MARK: status

  /// Appends audit events; a failure is a pod event (the pod keeps running: its state is still recorded).
  func auditing(_ body: (PodAudit) throws -> Void) {
    guard let audit else { return }
    do {
      try body(audit)
    } catch {
      event("Warning", "AuditFailed", "\(error)")
    }
  }

  func event(_ type: String, _ reason: String, _ message: String) {
    status.events.append(PodEvent(type: type, reason: reason, message: message))
    if status.events.count > 200 { status.events.removeFirst(status.events.count - 200) }
    dirty = true
  }

  func save() {
    do {
      try JSONFile.write(status, to: paths.status)
      dirty = false
    } catch {
      FileHandle.standardError.write(Data("garrison supervise: cannot write status: \(error)\n".utf8))
    }
  }
}

/// A SIGTERM/SIGINT flag set from a dispatch signal source.
final class TerminationFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var set = false
  private var sources: [DispatchSourceSignal] = []

  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return set
  }

  func install(_ wake: @escaping @Sendable () -> Void) {
    for sig in [SIGTERM, SIGINT] {
      signal(sig, SIG_IGN)
      let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      s.setEventHandler { [self] in
        lock.lock()
        set = true
        lock.unlock()
        wake()
      }
      s.resume()
      sources.append(s)
    }
  }
}

/// The host's primary IPv4 address (for hostNetwork pods), from `ip route get`.
enum HostAddress {
  static func primary(wait: (pid_t) throws -> ExitStatus) -> String? {
    guard let r = try? Spawn.run(["ip", "-4", "route", "get", "1.1.1.1"], wait: wait), r.succeeded else { return nil }
    let f = r.output.split(separator: " ")
    guard let i = f.firstIndex(of: "src"), i + 1 < f.count else { return nil }
    return String(f[i + 1])
  }
}
