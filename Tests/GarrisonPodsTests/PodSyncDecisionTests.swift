import Foundation
import GarrisonPods
import Testing

/// The supervisor's decision table (no root, no processes): init order, sidecars, every restart policy, back-off,
/// pod phase and OOMKilled.
@Suite struct PodSyncDecisionTests {
  typealias D = PodSyncDecision
  let now = Date(timeIntervalSince1970: 1_000_000)

  func waiting(_ name: String, _ role: D.Role, reason: String? = nil) -> D.Observed {
    D.Observed(name: name, role: role, state: .waiting, reason: reason)
  }
  func running(_ name: String, _ role: D.Role, startupDone: Bool = true) -> D.Observed {
    D.Observed(name: name, role: role, state: .running, isRunning: true, everStarted: true, startupDone: startupDone)
  }
  func exited(_ name: String, _ role: D.Role, code: Int32, backOffUntil: Date? = nil) -> D.Observed {
    D.Observed(
      name: name, role: role, state: .terminated, reason: code == 0 ? "Completed" : "Error", exitCode: code,
      everStarted: true, notBefore: backOffUntil)
  }
  func decide(_ policy: D.RestartPolicy, _ containers: [D.Observed], initialized: Bool = false) -> [D.Action] {
    D.decide(policy: policy, containers: containers, initialized: initialized, now: now)
  }

  @Test func initContainersRunOneAtATimeBeforeApps() {
    let fresh = [waiting("i1", .initContainer), waiting("i2", .initContainer), waiting("a", .app), waiting("b", .app)]
    #expect(decide(.always, fresh) == [.start("i1")])
    #expect(decide(.always, [running("i1", .initContainer)] + fresh.dropFirst()) == [])
    #expect(decide(.always, [exited("i1", .initContainer, code: 0)] + fresh.dropFirst()) == [.start("i2")])
    // Both init containers done: every app container starts in the same pass.
    #expect(
      decide(.always, [exited("i1", .initContainer, code: 0), exited("i2", .initContainer, code: 0)] + fresh.dropFirst(2))
        == [.start("a"), .start("b")])
  }

  @Test func failedInitContainerRestartsOrFailsThePod() {
    let pod = [exited("i1", .initContainer, code: 1), waiting("a", .app)]
    #expect(decide(.always, pod) == [.start("i1")])
    #expect(decide(.onFailure, pod) == [.start("i1")])
    #expect(decide(.never, pod) == [.failPod(reason: "Init:Error", message: "init container i1 failed and restartPolicy is Never")])
    // An init container that could not even be created fails a Never pod too.
    #expect(
      decide(.never, [waiting("i1", .initContainer, reason: "CreateContainerError"), waiting("a", .app)])
        == [.failPod(reason: "Init:Error", message: "init container i1 failed and restartPolicy is Never")])
    // While backing off, nothing after it starts.
    let later = now.addingTimeInterval(10)
    #expect(
      decide(.always, [exited("i1", .initContainer, code: 1, backOffUntil: later), waiting("a", .app)])
        == [.backOff("i1", until: later)])
  }

  @Test func sidecarsStartInOrderAndWaitForTheirStartupProbe() {
    let fresh = [waiting("s1", .sidecar), waiting("s2", .sidecar), waiting("a", .app)]
    #expect(decide(.always, fresh) == [.start("s1")])
    // s1 runs and has no startup probe: s2 is next, then the app.
    #expect(decide(.always, [running("s1", .sidecar)] + fresh.dropFirst()) == [.start("s2")])
    #expect(decide(.always, [running("s1", .sidecar), running("s2", .sidecar), waiting("a", .app)]) == [.start("a")])
    // s1's startup probe has not succeeded and the pod is not initialized: nothing after it starts.
    #expect(decide(.always, [running("s1", .sidecar, startupDone: false)] + fresh.dropFirst()) == [])
    // Once initialized, a sidecar's later startup probes no longer hold the app containers back.
    #expect(
      decide(
        .always, [running("s1", .sidecar, startupDone: false), running("s2", .sidecar), waiting("a", .app)],
        initialized: true) == [.start("a")])
  }

  @Test func sidecarsRestartWhateverThePolicyWithoutHoldingOthers() {
    let later = now.addingTimeInterval(5)
    for policy in [D.RestartPolicy.always, .onFailure, .never] {
      #expect(decide(policy, [exited("s", .sidecar, code: 0), running("a", .app)]) == [.start("s")])
      // Restarting after a back-off does not hold the app container back: only the first start does.
      #expect(
        decide(policy, [exited("s", .sidecar, code: 1, backOffUntil: later), exited("a", .app, code: 1)], initialized: true)
          == [.backOff("s", until: later)] + (policy == .never ? [] : [.start("a")]))
    }
    // A sidecar that never started and is backing off holds everything after it.
    var first = waiting("s", .sidecar, reason: "CreateContainerError")
    first.notBefore = later
    #expect(decide(.always, [first, waiting("a", .app)]) == [.backOff("s", until: later)])
  }

  @Test func appContainersFollowTheRestartPolicy() {
    let table: [(D.RestartPolicy, Int32, Bool)] = [
      (.always, 0, true), (.always, 1, true), (.onFailure, 0, false), (.onFailure, 137, true), (.never, 0, false), (.never, 1, false),
    ]
    for (policy, code, restarts) in table {
      #expect(decide(policy, [exited("a", .app, code: code)]) == (restarts ? [.start("a")] : []), "\(policy) exit \(code)")
      #expect(D.shouldRestart(role: .app, policy: policy, exitCode: code) == restarts)
      #expect(D.shouldRestart(role: .sidecar, policy: policy, exitCode: code))
    }
    // A running container is left alone; a create failure under Never is not retried.
    #expect(decide(.always, [running("a", .app)]) == [])
    #expect(decide(.never, [waiting("a", .app, reason: "CreateContainerError")]) == [])
    #expect(
      decide(.always, [D.Observed(name: "a", role: .app, state: .waiting, reason: "CreateContainerError", everStarted: false)])
        == [.start("a")])
  }

  @Test func backOffHoldsARestartUntilItEnds() {
    let later = now.addingTimeInterval(20)
    #expect(decide(.always, [exited("a", .app, code: 1, backOffUntil: later)]) == [.backOff("a", until: later)])
    #expect(decide(.always, [exited("a", .app, code: 1, backOffUntil: now.addingTimeInterval(-1))]) == [.start("a")])
    // Every failure backs off; a clean exit backs off only where it restarts anyway (Always) or for a sidecar.
    #expect(D.backsOff(role: .app, policy: .onFailure, exitCode: 1))
    #expect(!D.backsOff(role: .app, policy: .onFailure, exitCode: 0))
    #expect(D.backsOff(role: .app, policy: .always, exitCode: 0))
    #expect(D.backsOff(role: .sidecar, policy: .never, exitCode: 0))
  }

  @Test func podPhase() {
    #expect(D.phase(current: .pending, policy: .always, apps: [waiting("a", .app)]) == nil)
    #expect(D.phase(current: .pending, policy: .always, apps: [running("a", .app)]) == .running)
    #expect(D.phase(current: .running, policy: .never, apps: [exited("a", .app, code: 0), exited("b", .app, code: 0)]) == .succeeded)
    #expect(D.phase(current: .running, policy: .never, apps: [exited("a", .app, code: 0), exited("b", .app, code: 2)]) == .failed)
    // Under Always a clean exit restarts: still running.
    #expect(D.phase(current: .running, policy: .always, apps: [exited("a", .app, code: 0)]) == nil)
    #expect(D.phase(current: .running, policy: .onFailure, apps: [exited("a", .app, code: 0)]) == .succeeded)
    #expect(D.phase(current: .pending, policy: .never, apps: [waiting("a", .app, reason: "CreateContainerError")]) == .failed)
    // A terminal phase never changes.
    #expect(D.phase(current: .failed, policy: .always, apps: [running("a", .app)]) == nil)
  }

  @Test func oomKilledIsTheReasonWhenTheCounterRose() {
    #expect(D.exitReason(oomKilled: true, exitCode: 137) == "OOMKilled")
    #expect(D.exitReason(oomKilled: true, exitCode: 0) == "OOMKilled")
    #expect(D.exitReason(oomKilled: false, exitCode: 0) == "Completed")
    #expect(D.exitReason(oomKilled: false, exitCode: 137) == "Error")
  }
}
