import Foundation
import GarrisonCore
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// The workload controllers' pure decisions, selectors, the template hash and Kubernetes' rounding (no root).
@Suite struct WorkloadDecisionTests {
  let t0 = Date(timeIntervalSince1970: 1_000_000)

  func pod(
    _ name: String, _ phase: PodPhase = .running, ready: Bool = true, age: Double = 100, terminating: Bool = false, restarts: Int = 0
  ) -> ObservedPod {
    ObservedPod(
      name: name, createdAt: t0.addingTimeInterval(-age), phase: phase, ready: ready, terminating: terminating, restarts: restarts)
  }

  // MARK: selectors

  @Test(arguments: [
    ("app=web", ["app": "web"], true),
    ("app==web", ["app": "db"], false),
    ("app!=web", [:], true),
    ("app in (web, api),!legacy", ["app": "api"], true),
    ("app in (web, api),!legacy", ["app": "api", "legacy": "1"], false),
    ("tier notin (db)", ["tier": "front"], true),
    ("example.com/team", ["example.com/team": "x"], true),
    ("", ["a": "b"], true),
    ("app=", ["app": ""], true),
  ])
  func selectorMatches(_ text: String, _ labels: [String: String], _ expected: Bool) throws {
    #expect(try LabelSelector.parse(text).matches(labels) == expected)
  }

  @Test(arguments: [
    ("app=web,", "at position 7"),
    ("app in web", "expected: '('"),
    ("=web", "at position 0"),
    ("app=w*b", "invalid label value"),
    ("-bad=1", "invalid label key"),
    ("app web", "at position 4"),
  ])
  func selectorErrorsNameThePosition(_ text: String, _ fragment: String) {
    #expect {
      _ = try LabelSelector.parse(text)
    } throws: { e in
      let g = e as? GarrisonError
      return g?.code == .usage && (g?.message.contains(fragment) ?? false)
    }
  }

  // MARK: hash, names, rounding

  @Test func templateHashIsFNV32aThenSafeEncoded() {
    #expect(TemplateHash.fnv32a([]) == 2_166_136_261)
    #expect(TemplateHash.fnv32a(Array("a".utf8)) == 0xe40c_292c)
    #expect(TemplateHash.safeEncode("123") == "567")
    let h = TemplateHash.compute(template: #"{"spec":{}}"#)
    #expect(h == TemplateHash.safeEncode(String(TemplateHash.fnv32a(Array(#"{"spec":{}}"#.utf8)))))
    #expect(h != TemplateHash.compute(template: #"{"spec":{}}"#, collisionCount: 1))
    #expect(h.allSatisfy { TemplateHash.alphabet.contains($0) })
    let n = TemplateHash.generateName("web-" + h)
    #expect(n.hasPrefix("web-\(h)-") && n.count == "web-\(h)-".count + 5)
  }

  @Test(arguments: [
    (IntOrPercent.percent(25), 10, 3, 2),
    (.percent(25), 3, 1, 0),
    (.percent(50), 5, 3, 2),
    (.count(2), 10, 2, 2),
    (.percent(0), 4, 0, 0),
  ])
  func surgeRoundsUpUnavailableDown(_ v: IntOrPercent, _ total: Int, _ up: Int, _ down: Int) {
    #expect(v.scaled(total, roundUp: true) == up)
    #expect(v.scaled(total, roundUp: false) == down)
  }

  @Test func bothFencepostsZeroMeansOneUnavailable() {
    let s = DeploymentStrategy(maxSurge: .percent(10), maxUnavailable: .percent(10))
    #expect(s.fenceposts(replicas: 3).surge == 1 && s.fenceposts(replicas: 3).unavailable == 0)
    let z = DeploymentStrategy(maxSurge: .count(0), maxUnavailable: .percent(20))
    #expect(z.fenceposts(replicas: 3).unavailable == 1)
  }

  // MARK: ReplicaSet

  @Test func replicaSetCreatesUpToDesired() {
    let plan = ReplicaSetDecision.decide(desired: 3, pods: [pod("a")], known: ["a"], now: t0)
    #expect(plan.create == 2 && plan.delete.isEmpty && plan.replaced.isEmpty && plan.keep == ["a"])
  }

  @Test func replicaSetScaleDownPrefersNotReadyThenNewest() {
    let pods = [pod("old", age: 300), pod("new", age: 10), pod("mid", age: 100), pod("unready", ready: false, age: 500)]
    let plan = ReplicaSetDecision.decide(desired: 2, pods: pods, known: Set(pods.map(\.name)), now: t0)
    #expect(plan.delete.map(\.pod) == ["unready", "new"])
    #expect(plan.keep == ["mid", "old"] && plan.create == 0)
  }

  @Test func failedLostAndVanishedPodsAreReplaced() {
    let pods = [
      pod("ok"), pod("dead", .failed, ready: false), pod("lost", .unknown, ready: false), pod("going", terminating: true),
      pod("mine", terminating: true),
    ]
    let plan = ReplicaSetDecision.decide(desired: 3, pods: pods, known: ["ok", "dead", "lost", "deleted-by-hand", "going"], now: t0)
    #expect(Set(plan.delete.map(\.pod)) == ["dead", "lost"])
    // "mine" is being deleted by the controller itself (no longer known): not a replacement.
    #expect(Set(plan.replaced.map(\.pod)) == ["dead", "lost", "deleted-by-hand", "going"])
    #expect(plan.replaced.first { $0.pod == "lost" }?.reason.hasPrefix("SupervisorLost") == true)
    #expect(plan.replaced.first { $0.pod == "deleted-by-hand" }?.reason.hasPrefix("Deleted") == true)
    // Terminating pods do not count: two new pods.
    #expect(plan.create == 2 && plan.keep == ["ok"])
  }

  // MARK: Deployment

  typealias RS = DeploymentDecision.ObservedRS

  /// Applies actions as the executor would, with pods that become available at once.
  func simulate(
    replicas: Int, strategy: DeploymentStrategy, start: [RS], hash: String, steps: Int = 40,
    check: ([RS]) -> Void
  ) -> [RS] {
    var sets = start
    for _ in 0..<steps {
      let out = DeploymentDecision.decide(
        replicas: replicas, strategy: strategy, revisionHistoryLimit: 10, paused: false, hash: hash, replicaSets: sets)
      for a in out.actions {
        switch a {
        case .create(let h, let r, let rev): sets.append(RS(name: "d-\(h)", hash: h, replicas: r, revision: rev))
        case .scale(let n, let r): if let i = sets.firstIndex(where: { $0.name == n }) { sets[i].replicas = r }
        case .setRevision(let n, let rev): if let i = sets.firstIndex(where: { $0.name == n }) { sets[i].revision = rev }
        case .delete(let n): sets.removeAll { $0.name == n }
        }
      }
      // Pods follow: scale-ups become available one step later, scale-downs vanish at once.
      check(sets)
      for i in sets.indices {
        let r = sets[i].replicas
        sets[i].pods = r
        sets[i].active = r
        sets[i].ready = r
        sets[i].available = r
      }
      check(sets)
      if out.complete { break }
    }
    return sets
  }

  @Test func rollingUpdateWithMaxUnavailableZeroNeverDropsBelowReplicas() {
    let old = RS(name: "d-a", hash: "a", replicas: 3, revision: 1, pods: 3, active: 3, ready: 3, available: 3)
    var minAvailable = Int.max
    var maxPods = 0
    let end = simulate(replicas: 3, strategy: DeploymentStrategy(maxSurge: .count(1), maxUnavailable: .count(0)), start: [old], hash: "b") {
      sets in
      minAvailable = min(minAvailable, sets.reduce(0) { $0 + min($1.available, $1.replicas) })
      maxPods = max(maxPods, sets.reduce(0) { $0 + $1.replicas })
    }
    #expect(minAvailable >= 3)
    #expect(maxPods <= 4)
    #expect(end.first { $0.hash == "a" }?.replicas == 0)
    #expect(end.first { $0.hash == "b" }?.replicas == 3 && end.first { $0.hash == "b" }?.revision == 2)
  }

  @Test func rollingUpdateWithPercentagesRespectsBothBounds() {
    let old = RS(name: "d-a", hash: "a", replicas: 10, revision: 1, pods: 10, active: 10, ready: 10, available: 10)
    var maxPods = 0
    var minAvailable = Int.max
    let end = simulate(replicas: 10, strategy: DeploymentStrategy(), start: [old], hash: "b") { sets in
      maxPods = max(maxPods, sets.reduce(0) { $0 + $1.replicas })
      minAvailable = min(minAvailable, sets.reduce(0) { $0 + min($1.available, $1.replicas) })
    }
    #expect(maxPods <= 13)  // 25% surge of 10 rounds up to 3
    #expect(minAvailable >= 8)  // 25% unavailable of 10 rounds down to 2
    #expect(end.first { $0.hash == "b" }?.replicas == 10)
  }

  @Test func recreateScalesOldToZeroAndWaitsForItsPods() {
    let old = RS(name: "d-a", hash: "a", replicas: 2, revision: 1, pods: 2, active: 2, ready: 2, available: 2)
    let s = DeploymentStrategy(type: "Recreate")
    let first = DeploymentDecision.decide(replicas: 2, strategy: s, revisionHistoryLimit: 10, paused: false, hash: "b", replicaSets: [old])
    #expect(first.actions == [.create(hash: "b", replicas: 0, revision: 2), .scale(name: "d-a", replicas: 0)])
    var o = old
    o.replicas = 0
    let new = RS(name: "d-b", hash: "b", replicas: 0, revision: 2)
    let waiting = DeploymentDecision.decide(
      replicas: 2, strategy: s, revisionHistoryLimit: 10, paused: false, hash: "b", replicaSets: [o, new])
    #expect(waiting.actions.isEmpty)  // old pods still there
    o.pods = 0
    o.active = 0
    let up = DeploymentDecision.decide(replicas: 2, strategy: s, revisionHistoryLimit: 10, paused: false, hash: "b", replicaSets: [o, new])
    #expect(up.actions == [.scale(name: "d-b", replicas: 2)])
  }

  @Test func undoReadoptsTheOldReplicaSetWithANewRevision() {
    let a = RS(name: "d-a", hash: "a", replicas: 0, revision: 1)
    let b = RS(name: "d-b", hash: "b", replicas: 3, revision: 2, pods: 3, active: 3, ready: 3, available: 3)
    let out = DeploymentDecision.decide(
      replicas: 3, strategy: DeploymentStrategy(), revisionHistoryLimit: 10, paused: false, hash: "a", replicaSets: [a, b])
    #expect(out.actions.first == .setRevision(name: "d-a", revision: 3))
    #expect(out.actions.contains(.scale(name: "d-a", replicas: 1)))
  }

  @Test func historyBeyondTheLimitIsDeletedOldestFirst() {
    let sets =
      (1...4).map { RS(name: "d-\($0)", hash: "\($0)", replicas: 0, revision: $0) }
      + [RS(name: "d-5", hash: "5", replicas: 1, revision: 5, pods: 1, active: 1, ready: 1, available: 1)]
    let out = DeploymentDecision.decide(
      replicas: 1, strategy: DeploymentStrategy(), revisionHistoryLimit: 2, paused: false, hash: "5", replicaSets: sets)
    #expect(out.actions == [.delete(name: "d-1"), .delete(name: "d-2")])
    #expect(out.complete)
  }

  @Test func scalingWithoutATemplateChangeMovesOnlyTheCurrentReplicaSet() {
    let cur = RS(name: "d-a", hash: "a", replicas: 3, revision: 1, pods: 3, active: 3, ready: 3, available: 3)
    let up = DeploymentDecision.decide(
      replicas: 5, strategy: DeploymentStrategy(), revisionHistoryLimit: 10, paused: false, hash: "a", replicaSets: [cur])
    #expect(up.actions == [.scale(name: "d-a", replicas: 5)])
    let down = DeploymentDecision.decide(
      replicas: 1, strategy: DeploymentStrategy(), revisionHistoryLimit: 10, paused: false, hash: "a", replicaSets: [cur])
    #expect(down.actions == [.scale(name: "d-a", replicas: 1)])
  }

  @Test func firstReplicaSetGetsAllReplicasAtOnce() {
    let out = DeploymentDecision.decide(
      replicas: 3, strategy: DeploymentStrategy(), revisionHistoryLimit: 10, paused: false, hash: "a", replicaSets: [])
    #expect(out.actions == [.create(hash: "a", replicas: 3, revision: 1)])
  }

  // MARK: Job

  @Test func jobRunsParallelismUpToCompletions() {
    func decide(_ pods: [ObservedPod]) -> JobDecision.Outcome {
      JobDecision.decide(
        completions: 3, parallelism: 2, backoffLimit: 6, activeDeadlineSeconds: nil, restartPolicy: "Never",
        pods: pods, startTime: t0, now: t0)
    }
    #expect(decide([]).create == 2)
    #expect(decide([pod("a", .succeeded, ready: false), pod("b")]).create == 1)
    #expect(decide([pod("a", .succeeded, ready: false), pod("b", .succeeded, ready: false), pod("c")]).create == 0)
    let done = decide([pod("a", .succeeded, ready: false), pod("b", .succeeded, ready: false), pod("c", .succeeded, ready: false)])
    #expect(done.condition == "Complete" && done.succeeded == 3)
  }

  @Test func jobFailsAtBackoffLimit() {
    let failed = (0..<3).map { pod("f\($0)", .failed, ready: false) }
    let out = JobDecision.decide(
      completions: 1, parallelism: 1, backoffLimit: 2, activeDeadlineSeconds: nil, restartPolicy: "Never",
      pods: failed, startTime: t0, now: t0)
    #expect(out.condition == "Failed" && out.reason == "BackoffLimitExceeded" && out.create == 0)
    let under = JobDecision.decide(
      completions: 1, parallelism: 1, backoffLimit: 3, activeDeadlineSeconds: nil, restartPolicy: "Never",
      pods: failed, startTime: t0, now: t0)
    #expect(under.condition == nil && under.create == 1)
    // OnFailure: restarts in place count.
    let restarting = JobDecision.decide(
      completions: 1, parallelism: 1, backoffLimit: 2, activeDeadlineSeconds: nil, restartPolicy: "OnFailure",
      pods: [pod("r", restarts: 3)], startTime: t0, now: t0)
    #expect(restarting.condition == "Failed" && restarting.stop == ["r"])
  }

  @Test func jobDeadlineStopsActivePods() {
    let out = JobDecision.decide(
      completions: 1, parallelism: 1, backoffLimit: 6, activeDeadlineSeconds: 5, restartPolicy: "Never",
      pods: [pod("a")], startTime: t0, now: t0.addingTimeInterval(6))
    #expect(out.condition == "Failed" && out.reason == "DeadlineExceeded" && out.stop == ["a"])
  }
}
