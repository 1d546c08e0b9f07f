#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonKernel

/// The handover to garrison-keeper and back. When the pod is quiescent (nothing in flight, nothing to write, no
/// probe to run) the supervisor `execve`s garrison-keeper in its own process: the pid, its start time (the
/// supervisor's identity in status.json), the child-subreaper flag, the children and the descriptors survive; the
/// standard-Swift heap and code do not, so the resident memory drops to the keeper's (~0.6 MB) until the keeper
/// execs garrison-supervisor back on an event (`--resume`).
extension PodSupervisor {
  /// Whether nothing is in flight: everything the loop did is written, nothing waits for a thread, a window or a
  /// deadline the keeper does not know (probes: no probe running, no result waiting, no probe-triggered kill
  /// waiting for its grace period; the next probe's time is the keeper's deadline).
  func quiescent(seen: Int) -> Bool {
    heldAudit.isEmpty && pendingCleanup.isEmpty && preparedAhead.isEmpty && createdAhead.isEmpty && !dirty
      && !status.phase.isTerminal && !termination.isSet && killDeadline.isEmpty && probeResults.isEmpty
      && probing.values.allSatisfy({ $0.snapshot != nil })
      && (seccompDenials?.isIdle ?? true) && reaper.generation == seen
      && !running.values.contains(where: { reaper.hasExited($0.pid) })
  }

  /// When the keeper must give the pod back without an event: the end of the soonest backoff or the next probe
  /// (milliseconds from now, at least 1), nil for none.
  func keeperDeadline() -> Int? {
    let now = Date()
    let times = notBefore.values.filter({ $0 > now }) + probing.values.compactMap { $0.nextWakeup() }
    guard let soonest = times.min() else { return nil }
    return max(1, Int((soonest.timeIntervalSince(now) * 1000).rounded(.up)) + 5)
  }

  /// How long the pod must stay quiescent before the handover: a pod that just started (or restarted a
  /// container) often has more to do at once, and a start of many pods on few CPUs should not pay the execs
  /// while it runs.
  static let quietPeriod = 0.3

  /// Execs garrison-keeper once the pod has been quiescent for `quietPeriod`; returns (having undone its
  /// preparations) when it is not, or the exec failed, and the supervisor stays resident: then the seconds until
  /// the quiet period ends (for the loop's wait), nil when there is nothing to wait for. A failed exec is not
  /// retried by this process.
  func handOverIfQuiescent(seen: Int) -> Double? {
    guard let handover = Handover.current else { return nil }
    guard quiescent(seen: seen) else {
      quietSince = nil
      return nil
    }
    let now = Kernel.monotonicNanoseconds()
    let since = quietSince ?? now
    quietSince = since
    let quiet = Double(now &- since) / 1e9
    if quiet < Self.quietPeriod { return Self.quietPeriod - quiet }
    handOver(handover)
    return nil
  }

  /// The most bytes of unfinished lines handed to the keeper in its arguments (twice as many hex digits, within
  /// the kernel's 2 MiB for arguments and environment); garrison-keeper hands back as many.
  static let pendingLimit = 1 << 19

  /// Hands the pod over (returns only if it could not).
  func handOver(_ handover: Handover) {
    // The keeper's own view of the kernel log is opened before the last read of the supervisor's: a record logged
    // in between wakes the keeper at once (read twice is harmless; missed is not).
    var keeperKmsg: KmsgReader?
    if seccompDenials != nil {
      keeperKmsg = try? KmsgReader(fromEnd: true)
      guard keeperKmsg != nil else { return }
      auditSeccompDenials(force: false)
      guard seccompDenials?.isIdle ?? true, !dirty else { return }
    }
    guard termination.park() else { return }
    let pids = running.values.map(\.pid) + (sandbox.map { [$0.process.pid] } ?? [])
    guard reaper.beginHandover(keeping: pids) else {
      termination.unpark()
      return
    }
    var logs: [(name: String, handed: ContainerLogWriter.Handed)] = []
    var ok = true
    for (name, r) in running {
      guard let s = r.log.suspend() else {
        ok = false
        break
      }
      logs.append((name, s))
    }
    // The unfinished lines go to the keeper in its arguments (hex): past `pendingLimit` in all they could make
    // the exec fail (E2BIG) and keep the supervisor resident, so they are written as `P` lines instead, as the
    // keeper does on its way back.
    if ok && logs.reduce(0, { $0 + ($1.handed.stdout?.pending.count ?? 0) + ($1.handed.stderr?.pending.count ?? 0) }) > Self.pendingLimit {
      logs = logs.map { ($0.name, running[$0.name]!.log.flushSuspended()) }
    }
    if ok {
      let e = execKeeper(handover, logs: logs, keeperKmsg: keeperKmsg)
      StandardError.write("garrison-supervisor: cannot exec \(handover.keeper): \(e); staying resident\n")
      Handover.current = nil
    }
    for (name, _) in logs { running[name]?.log.unsuspend() }
    reaper.cancelHandover()
    termination.unpark()
  }

  /// Writes the state, clears close-on-exec on what the keeper inherits, and execs it; returns the exec's error.
  func execKeeper(
    _ handover: Handover,
    logs: [(name: String, handed: ContainerLogWriter.Handed)],
    keeperKmsg: KmsgReader?
  ) -> Error {
    var inherited: [Int32] = []
    var logArguments: [String] = []
    var containers: [SupervisorState.RunningContainer] = []
    for (name, s) in logs {
      let out = s.stdout?.fd ?? -1
      let err = s.stderr?.fd ?? -1
      inherited += [s.log, out, err].filter { $0 >= 0 }
      logArguments += [
        "--log",
        "\(out),\(err),\(s.log),\(KeeperReturn.hex(s.stdout?.pending ?? [])),\(KeeperReturn.hex(s.stderr?.pending ?? []))",
      ]
      let r = running[name]!
      containers.append(
        .init(name: name, pid: r.pid, startedAt: r.startedAt.timeIntervalSince1970, log: s.log, stdout: out, stderr: err))
    }
    if let wake { inherited.append(wake) }
    if let k = seccompDenials?.descriptor { inherited.append(k) }
    if let k = keeperKmsg?.descriptor { inherited.append(k) }
    let state = SupervisorState(
      status: status, running: containers, notBefore: notBefore.mapValues { $0.timeIntervalSince1970 },
      backoffCount: backoffCount, started: started.sorted(), noted: noted.sorted(), containerRun: containerRun,
      sandbox: sandbox?.process, volumeSources: volumeSources, wake: wake, kmsg: seccompDenials?.descriptor,
      probing: probing.compactMapValues(\.snapshot))
    do {
      try SupervisorStateWriter.write(state, to: paths.supervisorState)
      for fd in inherited { try Kernel.setCloseOnExec(fd, false) }
    } catch {
      for fd in inherited { try? Kernel.setCloseOnExec(fd, true) }
      return error
    }
    var worker = [handover.worker, "--resume", "--root", paths.root, "--namespace", paths.namespace, "--name", paths.name]
    if let wake { worker += ["--wake-fd", "\(wake)"] }
    if let k = seccompDenials?.descriptor { worker += ["--kmsg-fd", "\(k)"] }
    var argv = [handover.keeper, "--worker", handover.worker]
    if let ms = keeperDeadline() { argv += ["--deadline-ms", "\(ms)"] }
    if let k = keeperKmsg?.descriptor {
      argv += ["--kmsg-fd", "\(k)", "--cgroup-parent", cgroupParent]
      if let claims = seccompDenials?.claimsPath { argv += ["--seccomp-claims", claims] }
    }
    // Only these exits wake the supervisor (an orphan re-parented to this subreaper, e.g. from a hostPID
    // container, is reaped by the keeper and forgotten, as the reaper forgets statuses nobody takes).
    for pid in running.values.map(\.pid) + (sandbox.map { [$0.process.pid] } ?? []) { argv += ["--pid", "\(pid)"] }
    argv += logArguments + ["--"] + worker
    PhaseTrace.mark("handover to keeper", Self.peak())
    let e = Kernel.execv(handover.keeper, argv)
    for fd in inherited { try? Kernel.setCloseOnExec(fd, true) }
    return e
  }

  /// Takes the pod back from garrison-keeper: the state file, the children the keeper reaped, the logs' pipes
  /// with their unfinished lines, the kernel log at its read position, the stop request it received.
  func resume(from state: SupervisorState, keeper back: KeeperReturn) throws {
    status = state.status
    notBefore = state.notBefore.mapValues { Date(timeIntervalSince1970: $0) }
    backoffCount = state.backoffCount
    started = Set(state.started)
    noted = Set(state.noted)
    containerRun = state.containerRun
    volumeSources = state.volumeSources
    sandbox = state.sandbox.map { Sandbox(process: $0, namespaces: record.namespaces) }
    for c in state.running {
      guard record.containers.contains(where: { $0.name == c.name }), c.pid > 0,
        let log = back.logs.first(where: { $0.log == c.log && $0.log > 2 })
      else {
        throw GarrisonError(.invalid, "resume: container \(c.name) has no log handed back")
      }
      // The keeper may only report a stream closed, never a descriptor the supervisor did not give it.
      guard log.stdout == -1 || log.stdout == c.stdout, log.stderr == -1 || log.stderr == c.stderr else {
        throw GarrisonError(.invalid, "resume: container \(c.name): unexpected descriptors")
      }
      let writer = try ContainerLogWriter(adopting: log.log)
      for (fd, stream, pending) in [(log.stdout, "stdout", log.stdoutPending), (log.stderr, "stderr", log.stderrPending)] {
        guard fd >= 0 else { continue }
        try Kernel.setCloseOnExec(fd, true)
        writer.copy(from: fd, stream: stream, pending: pending)
      }
      running[c.name] = Running(pid: c.pid, log: writer, startedAt: Date(timeIntervalSince1970: c.startedAt))
    }
    for (name, snapshot) in state.probing ?? [:] {
      guard running[name] != nil, let probes = record.containers.first(where: { $0.name == name })?.probes else {
        throw GarrisonError(.invalid, "resume: probes of \(name), which has none or is not running")
      }
      probing[name] = ProbeScheduler(probes: probes, snapshot: snapshot)
    }
    reaper.record(back.exits)
    dirty = false
  }
}

extension PodSupervisor {
  /// This process's peak RSS so far (`VmHWM` of /proc/self/status), for the handover's trace mark.
  static func peak() -> String {
    let text = (try? FileIO.readText("/proc/self/status")) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
  }
}

/// Where garrison-keeper is: beside garrison-supervisor (`SupervisorMain.main` sets it; `garrison supervise`, or a
/// tree without the keeper, leaves it nil and the supervisor stays resident as before).
struct Handover: Sendable {
  var keeper: String
  var worker: String
  nonisolated(unsafe) static var current: Handover?

  /// The keeper beside this process's executable, if it is there and executable.
  static func beside() -> Handover? {
    guard let exe = try? Kernel.readlink("/proc/self/exe"), exe.hasPrefix("/"), !exe.hasSuffix(" (deleted)") else {
      return nil
    }
    let keeper = PathName.deletingLastComponent(exe) + "/garrison-keeper"
    return Kernel.isExecutable(keeper) ? Handover(keeper: keeper, worker: exe) : nil
  }
}
