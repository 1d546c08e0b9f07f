import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonOCI

/// The lifecycle state machine: which container runs next, restarts with backoff, the pod phase.
extension PodSupervisor {
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
        // Until the pod is initialized, later containers also wait for the sidecar's startup probe (kubelet's).
        if !status.containers[index(c.name)].started && status.condition("Initialized")?.isTrue != true { return }
        continue
      }
      if st.state.kind == .terminated && st.state.exitCode == 0 && running[c.name] == nil { continue }
      if running[c.name] != nil {
        // While it runs, the containers after it get their roots and configs.
        prepareAhead(record.containers.drop { $0.name != c.name }.dropFirst().filter { $0.role != "sidecar" })
        return
      }
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
    // App containers: every one whose turn it is, their runtime launches in parallel.
    var due: [ContainerRecord] = []
    for c in record.containers where c.role == "app" {
      let st = status.containers[index(c.name)]
      if running[c.name] != nil { continue }
      if started.contains(c.name) || st.state.reason == "CreateContainerError" {
        let code = st.state.exitCode ?? 1
        if st.state.kind == .terminated && !shouldRestart(c, exitCode: code) { continue }
        if st.state.kind == .waiting && st.state.reason == "CreateContainerError" && policy == "Never" { continue }
      }
      if mayStart(c, now: now) { due.append(c) }
    }
    if !due.isEmpty {
      for (c, error) in startTogether(due) { startFailed(c, error) }
    }
    updatePhase()
  }

  /// Starts `c` unless it is backing off; false while it cannot run yet.
  func tryStart(_ c: ContainerRecord, now: Date) -> Bool {
    guard mayStart(c, now: now) else { return false }
    do {
      try start(c)
      return true
    } catch {
      startFailed(c, error)
      return false
    }
  }

  /// Whether `c` may start now; while it backs off, its state says so (CrashLoopBackOff).
  func mayStart(_ c: ContainerRecord, now: Date) -> Bool {
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
    return true
  }

  /// Records a container that could not be started: CreateContainerError, backoff, the pod failed per policy.
  func startFailed(_ c: ContainerRecord, _ error: Error) {
    let i = index(c.name)
    let e = error as? GarrisonError
    status.containers[i].state = .waiting("CreateContainerError", e?.description ?? "\(error)")
    event("Warning", "Failed", "container \(c.name): \(e?.description ?? "\(error)")")
    bumpBackoff(c.name, ranFor: 0)
    dirty = true
    if policy == "Never" || c.role == "init" && policy == "Never" {
      if c.role != "sidecar" { fail(reason: "CreateContainerError", "container \(c.name) could not be created: \(e?.message ?? "\(error)")") }
    }
  }

  func bumpBackoff(_ name: String, ranFor: Double) {
    let n = ranFor >= record.backoff.resetAfter ? 1 : (backoffCount[name] ?? 0) + 1
    backoffCount[name] = n
    notBefore[name] = Date(timeIntervalSinceNow: record.backoff.delay(restarts: n))
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
      PhaseTrace.mark("pod phase", phase.rawValue)
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
    let soonest = (notBefore.values.filter { $0 > now } + probing.values.compactMap { $0.nextWakeup() }
      + killDeadline.values).min()
    return max(0.01, min(1.0, soonest.map { $0.timeIntervalSince(now) + 0.005 } ?? 1.0))
  }

}
