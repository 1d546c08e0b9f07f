#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel
import GarrisonOCI

/// The lifecycle state machine: which container runs next, restarts with backoff, the pod phase.
extension PodSupervisor {
  // MARK: lifecycle

  func index(_ name: String) -> Int { status.containers.firstIndex { $0.name == name }! }

  /// What the supervisor observes of each container, for `PodSyncDecision`.
  func observed() -> [PodSyncDecision.Observed] {
    record.containers.map { c in
      let st = status.containers[index(c.name)]
      return PodSyncDecision.Observed(
        name: c.name, role: c.role, state: st.state.kind, reason: st.state.reason,
        exitCode: st.state.exitCode, isRunning: running[c.name] != nil, everStarted: started.contains(c.name),
        startupDone: st.started, notBefore: notBefore[c.name])
    }
  }

  var restartPolicy: PodSyncDecision.RestartPolicy { PodSyncDecision.RestartPolicy(record: record.restartPolicy) }

  /// Observe, decide, act, until no container starts (a start changes what the next decision sees: the next
  /// init container or sidecar may follow at once).
  func step() {
    var rounds = 0
    while rounds <= record.containers.count {
      rounds += 1
      let actions = PodSyncDecision.decide(
        policy: restartPolicy, containers: observed(),
        initialized: status.condition("Initialized")?.isTrue == true, now: Date())
      var starts: [ContainerRecord] = []
      for action in actions {
        switch action {
        case .start(let name):
          starts.append(record.containers.first { $0.name == name }!)
        case .backOff(let name, let until):
          showBackOff(name, until: until)
        case .failPod(let reason, let message):
          fail(reason: reason, message)
        }
      }
      // Several starts in one pass are app containers: their runtime launches run in parallel.
      let failures = starts.count > 1 ? startTogether(starts) : startOne(starts.first)
      for (c, error) in failures { startFailed(c, error) }
      if starts.count == failures.count || status.phase.isTerminal { break }
    }
    // While an init container runs, the containers after it get their roots and configs.
    if let initRunning = record.containers.firstIndex(where: { $0.role == .initContainer && running[$0.name] != nil }) {
      prepareAhead(record.containers[(initRunning + 1)...].filter { $0.role != .sidecar })
      createAhead(after: record.containers[initRunning])
    }
    updatePhase()
  }

  /// Shows a container that should run but is backing off as CrashLoopBackOff (a create failure keeps its reason).
  func showBackOff(_ name: String, until: Date) {
    let i = index(name)
    if status.containers[i].state.kind == .terminated {
      status.containers[i].lastState = status.containers[i].state
    }
    if status.containers[i].state.reason != "CrashLoopBackOff" && status.containers[i].state.reason != "CreateContainerError" {
      let wait = Int((until.timeIntervalSince(Date())).rounded(.up))
      status.containers[i].state = .waiting("CrashLoopBackOff", "back-off \(wait)s restarting failed container=\(name) pod=\(record.name)")
      dirty = true
    }
  }

  /// Starts one container (none: nothing); its failure, if it failed.
  func startOne(_ c: ContainerRecord?) -> [(ContainerRecord, Error)] {
    guard let c else { return [] }
    // Created ahead, it needs only the runtime's `start`: the batch path releases it.
    if createdAhead[c.name] != nil { return startTogether([c]) }
    do {
      try start(c)
      return []
    } catch {
      return [(c, error)]
    }
  }

  /// Records a container that could not be started: CreateContainerError, backoff, the pod failed per policy.
  func startFailed(_ c: ContainerRecord, _ error: Error) {
    let i = index(c.name)
    let e = error as? GarrisonError
    status.containers[i].state = .waiting("CreateContainerError", e?.description ?? "\(error)")
    event("Warning", "Failed", "container \(c.name): \(e?.description ?? "\(error)")")
    bumpBackoff(c.name, ranFor: 0)
    dirty = true
    if restartPolicy == .never && c.role != .sidecar {
      fail(reason: "CreateContainerError", "container \(c.name) could not be created: \(e?.message ?? "\(error)")")
    }
  }

  func bumpBackoff(_ name: String, ranFor: Double) {
    let n = ranFor >= record.backoff.resetAfter ? 1 : (backoffCount[name] ?? 0) + 1
    backoffCount[name] = n
    notBefore[name] = Date(timeIntervalSinceNow: record.backoff.delay(restarts: n))
  }

  func updatePhase() {
    let apps = observed().filter { $0.role == .app }
    guard let phase = PodSyncDecision.phase(current: status.phase, policy: restartPolicy, apps: apps) else { return }
    status.phase = phase
    if phase == .failed { status.reason = status.reason ?? "Error" }
    if phase == .succeeded { status.reason = "Completed" }
    PhaseTrace.mark("pod phase", phase.rawValue)
    event("Normal", "Phase", "pod is \(phase.rawValue)")
    dirty = true
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
    let soonest =
      (notBefore.values.filter { $0 > now } + probing.values.compactMap { $0.nextWakeup() }
      + killDeadline.values).min()
    return max(0.01, min(1.0, soonest.map { $0.timeIntervalSince(now) + 0.005 } ?? 1.0))
  }

}
