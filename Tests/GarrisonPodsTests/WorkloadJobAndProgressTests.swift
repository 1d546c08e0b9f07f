import Foundation
import GarrisonCore
import GarrisonManifest
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// The Deployment's Progressing/Available conditions, Indexed Jobs and podFailurePolicy: pure decisions and the
/// API's validation (no root).
@Suite struct WorkloadJobAndProgressTests {
  let t0 = Date(timeIntervalSince1970: 1_000_000)
  typealias Counts = DeploymentProgress.Counts

  func progressing(
    _ current: WorkloadCondition?, _ previous: Counts, _ next: Counts, desired: Int = 3, deadline: Int? = 10,
    created: Bool = false, paused: Bool = false, at: Double = 0
  ) -> WorkloadCondition? {
    DeploymentProgress.progressing(
      current: current, previous: previous, next: next, desired: desired, generationObserved: true,
      deadlineSeconds: deadline, newReplicaSet: "web-abc", created: created, paused: paused,
      now: t0.addingTimeInterval(at))
  }

  @Test func progressingFollowsTheDeploymentController() throws {
    let old = Counts(replicas: 3, updated: 0, ready: 3, available: 3)
    let created = try #require(progressing(nil, old, old, created: true))
    #expect(
      created.status == "True" && created.reason == "NewReplicaSetCreated" && created.message == "Created new replica set \"web-abc\"")
    // A new pod updated: progress (lastUpdateTime moves, the transition stays).
    let moved = try #require(progressing(created, old, Counts(replicas: 4, updated: 1, ready: 3, available: 3), at: 5))
    #expect(moved.reason == "ReplicaSetUpdated" && moved.message == "ReplicaSet \"web-abc\" is progressing.")
    #expect(moved.lastUpdateTime == t0.addingTimeInterval(5) && moved.lastTransitionTime == t0)
    // No progress, within the deadline: unchanged; past it: ProgressDeadlineExceeded (False, new transition).
    let stuck = Counts(replicas: 4, updated: 1, ready: 3, available: 3)
    #expect(progressing(moved, stuck, stuck, at: 14) == moved)
    let late = try #require(progressing(moved, stuck, stuck, at: 15.5))
    #expect(
      late.status == "False" && late.reason == "ProgressDeadlineExceeded"
        && late.message == "ReplicaSet \"web-abc\" has timed out progressing.")
    #expect(late.lastTransitionTime == t0.addingTimeInterval(15.5))
    #expect(progressing(late, stuck, stuck, at: 100) == late)
    // Progress after the deadline: back to True.
    let again = try #require(progressing(late, stuck, Counts(replicas: 4, updated: 1, ready: 4, available: 4), at: 101))
    #expect(again.status == "True" && again.reason == "ReplicaSetUpdated" && again.lastTransitionTime == t0.addingTimeInterval(101))
    // Complete, and it stays complete when a pod is lost afterwards (replicas == updated).
    let done = try #require(progressing(again, stuck, Counts(replicas: 3, updated: 3, ready: 3, available: 3), at: 102))
    #expect(done.reason == "NewReplicaSetAvailable" && done.message == "ReplicaSet \"web-abc\" has successfully progressed.")
    #expect(
      progressing(
        done, Counts(replicas: 3, updated: 3, ready: 3, available: 3), Counts(replicas: 2, updated: 2, ready: 2, available: 2), at: 500)
        == done)
  }

  @Test func progressDeadlineEdgeCases() throws {
    let c = Counts(replicas: 1, updated: 0, ready: 1, available: 1)
    #expect(progressing(nil, c, c, deadline: nil, created: true) == nil, "MaxInt32: no Progressing condition")
    #expect(DeploymentProgress.deadline(Int(Int32.max)) == nil && DeploymentProgress.deadline(600) == 600)
    let found = try #require(progressing(nil, c, c))
    #expect(found.reason == "FoundNewReplicaSet")
    let paused = try #require(progressing(found, c, c, paused: true, at: 1000))
    #expect(paused.status == "Unknown" && paused.reason == "DeploymentPaused", "a paused Deployment never times out")
    let resumed = try #require(progressing(paused, c, c, at: 1001))
    #expect(resumed.status == "Unknown" && resumed.reason == "DeploymentResumed")
    let available = DeploymentProgress.available(current: nil, availableReplicas: 2, desired: 3, maxUnavailable: 1, now: t0)
    #expect(available.status == "True" && available.reason == "MinimumReplicasAvailable")
    let unavailable = DeploymentProgress.available(current: available, availableReplicas: 1, desired: 3, maxUnavailable: 1, now: t0)
    #expect(unavailable.status == "False" && unavailable.message == "Deployment does not have minimum availability.")
  }

  func pod(
    _ name: String, _ phase: PodPhase = .running, index: Int? = nil, age: Double = 100, exits: [ContainerExit] = [],
    conditions: [String: String] = [:]
  ) -> ObservedPod {
    ObservedPod(
      name: name, createdAt: t0.addingTimeInterval(-age), phase: phase, ready: phase == .running, index: index, exits: exits,
      conditions: conditions)
  }

  func job(
    _ pods: [ObservedPod], completions: Int? = 4, parallelism: Int = 2, backoffLimit: Int = 6, policy: PodFailurePolicy? = nil,
    indexed: Bool = true
  ) -> JobDecision.Outcome {
    JobDecision.decide(
      completions: completions, parallelism: parallelism, backoffLimit: backoffLimit, activeDeadlineSeconds: nil,
      restartPolicy: "Never", pods: pods, startTime: t0, now: t0, indexed: indexed, podFailurePolicy: policy)
  }

  @Test func indexedJobsRunOnePodPerIndex() {
    #expect(job([]).createIndexes == [0, 1])
    let some = job([pod("a", .succeeded, index: 0), pod("b", index: 2), pod("c", .failed, index: 1)])
    #expect(some.createIndexes == [1] && some.succeeded == 1 && some.completedIndexes == "0" && some.failed == 1)
    // A second pod for a running index, or one for a succeeded index, is stopped.
    let dup = job([pod("a", .succeeded, index: 0), pod("b", index: 0, age: 5), pod("c", index: 1, age: 50), pod("d", index: 1, age: 10)])
    #expect(Set(dup.stop) == ["b", "d"] && dup.createIndexes == [2])
    let done = job((0..<4).map { (k: Int) in pod("p\(k)", .succeeded, index: k) } + [pod("x", .succeeded, index: 2)])
    #expect(done.condition == "Complete" && done.succeeded == 4 && done.completedIndexes == "0-3")
    #expect(JobDecision.compress([1, 3, 4, 5, 7, 0]) == "0,1,3-5,7" && JobDecision.compress([]) == "")
  }

  @Test func podFailurePolicyRulesMatchInOrder() {
    let policy = PodFailurePolicy(rules: [
      .init(action: .ignore, onPodConditions: [.init(type: "DisruptionTarget", status: "True")]),
      .init(action: .failJob, onExitCodes: .init(containerName: "main", notIn: false, values: [42])),
      .init(action: .count, onExitCodes: .init(notIn: true, values: [1, 2])),
      .init(action: .ignore, onExitCodes: .init(notIn: false, values: [1])),
    ])
    let lost = pod("lost", .unknown, conditions: ["DisruptionTarget": "True"])
    let fatal = pod("fatal", .failed, exits: [ContainerExit(name: "side", code: 0), ContainerExit(name: "main", code: 42)])
    let sideFatal = pod("side", .failed, exits: [ContainerExit(name: "side", code: 42)])
    let one = pod("one", .failed, exits: [ContainerExit(name: "main", code: 1)])
    #expect(policy.match(lost, namespace: "ns")?.0 == .ignore)
    #expect(policy.match(fatal, namespace: "ns")?.0 == .failJob)
    #expect(
      policy.match(fatal, namespace: "ns")?.1 == "Container main for pod ns/fatal failed with exit code 42 matching FailJob rule at index 1"
    )
    #expect(policy.match(sideFatal, namespace: "ns")?.0 == .count, "containerName restricts the rule; 42 is NotIn [1, 2]")
    #expect(policy.match(one, namespace: "ns")?.0 == .ignore)
    #expect(policy.match(pod("zero", .failed, exits: [ContainerExit(name: "main", code: 0)]), namespace: "ns") == nil)

    let out = job([lost, one, pod("r")], completions: 1, parallelism: 1, backoffLimit: 0, policy: policy, indexed: false)
    #expect(out.condition == nil && out.failed == 0 && out.ignored == ["lost", "one"])
    let failed = job([fatal, pod("r")], completions: 1, parallelism: 1, backoffLimit: 6, policy: policy, indexed: false)
    #expect(failed.condition == "Failed" && failed.reason == "PodFailurePolicy" && failed.stop == ["r"])
    #expect(failed.message == "Container main for pod default/fatal failed with exit code 42 matching FailJob rule at index 1")
  }

  func parse(_ spec: String) throws -> WorkloadSpec {
    let yaml = """
      apiVersion: batch/v1
      kind: Job
      metadata: {name: j}
      spec:
      \(spec)
        template:
          spec:
            restartPolicy: Never
            initContainers: [{name: setup, image: busybox}]
            containers: [{name: c, image: busybox}]
      """
    let r = ManifestLoader.parse(text: yaml, file: "j.yaml")
    if let e = r.errors.first { throw e }
    return try WorkloadSpec.parse(try #require(r.objects.first))
  }

  @Test func indexedAndPolicyFieldsParse() throws {
    let s = try parse(
      """
        completions: 5
        completionMode: Indexed
        podFailurePolicy:
          rules:
          - {action: FailJob, onExitCodes: {containerName: setup, operator: In, values: [1, 42]}}
          - {action: Ignore, onPodConditions: [{type: DisruptionTarget, status: "True"}]}
      """)
    #expect(s.indexed && s.completions == 5)
    #expect(
      s.podFailurePolicy
        == PodFailurePolicy(rules: [
          .init(action: .failJob, onExitCodes: .init(containerName: "setup", notIn: false, values: [1, 42])),
          .init(action: .ignore, onPodConditions: [.init(type: "DisruptionTarget", status: "True")]),
        ]))
    #expect(try parse("  completionMode: NonIndexed\n").indexed == false)
  }

  @Test(arguments: [
    ("  completionMode: Indexed\n", "spec.completions", "Required value: when completion mode is Indexed"),
    ("  completionMode: Sorted\n", "spec.completionMode", "Unsupported value: \"Sorted\": supported values: \"Indexed\", \"NonIndexed\""),
    (
      "  completions: 100001\n  completionMode: Indexed\n", "spec.completions",
      "must be less than or equal to 100000 when completion mode is Indexed"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Retry, onExitCodes: {operator: In, values: [1]}}]}\n", "spec.podFailurePolicy.rules[0].action",
      "Unsupported value: \"Retry\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\""
    ),
    (
      "  podFailurePolicy: {rules: [{onExitCodes: {operator: In, values: [1]}}]}\n", "spec.podFailurePolicy.rules[0].action",
      "Required value"
    ),
    (
      "  podFailurePolicy: {rules: [{action: FailIndex, onExitCodes: {operator: In, values: [1]}}]}\n",
      "spec.podFailurePolicy.rules[0].action",
      "requires the backoffLimitPerIndex to be set"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count}]}\n", "spec.podFailurePolicy.rules[0]",
      "specifying one of OnExitCodes and OnPodConditions is required"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [1]}, onPodConditions: [{type: X, status: \"True\"}]}]}\n",
      "spec.podFailurePolicy.rules[0]", "specifying both OnExitCodes and OnPodConditions is not supported"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: Is, values: [1]}}]}\n",
      "spec.podFailurePolicy.rules[0].onExitCodes.operator",
      "Unsupported value: \"Is\": supported values: \"In\", \"NotIn\""
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [0, 1]}}]}\n",
      "spec.podFailurePolicy.rules[0].onExitCodes.values[0]",
      "must not be 0 for the In operator"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: NotIn, values: [2, 1]}}]}\n",
      "spec.podFailurePolicy.rules[0].onExitCodes.values",
      "must be ordered"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: NotIn, values: [1, 1]}}]}\n",
      "spec.podFailurePolicy.rules[0].onExitCodes.values[1]",
      "Duplicate value: 1"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: NotIn, values: []}}]}\n",
      "spec.podFailurePolicy.rules[0].onExitCodes.values",
      "at least one value is required"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {containerName: other, operator: In, values: [1]}}]}\n",
      "spec.podFailurePolicy.rules[0].onExitCodes.containerName", "must be one of the container or initContainer names in the pod template"
    ),
    (
      "  podFailurePolicy: {rules: [{action: Count, onPodConditions: [{type: DisruptionTarget, status: Maybe}]}]}\n",
      "spec.podFailurePolicy.rules[0].onPodConditions[0].status",
      "Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\""
    ),
  ])
  func invalidJobFieldsNameTheirPath(_ spec: String, _ field: String, _ message: String) throws {
    #expect {
      _ = try parse(spec)
    } throws: { e in
      let g = e as? GarrisonError
      return g?.fieldPath?.description == field && (g?.message.contains(message) ?? false) && g?.location?.file == "j.yaml"
        && g.map { ExitCodes.code(for: $0.code) } == ExitCodes.badInput
    }
  }

  @Test func podFailurePolicyNeedsRestartPolicyNever() throws {
    let yaml = """
      apiVersion: batch/v1
      kind: Job
      metadata: {name: j}
      spec:
        podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [1]}}]}
        template:
          spec:
            restartPolicy: OnFailure
            containers: [{name: c, image: busybox}]
      """
    let r = ManifestLoader.parse(text: yaml, file: "j.yaml")
    #expect {
      _ = try WorkloadSpec.parse(try #require(r.objects.first))
    } throws: { e in
      let g = e as? GarrisonError
      return g?.fieldPath?.description == "spec.template.spec.restartPolicy"
        && (g?.message.contains("Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified") ?? false)
    }
  }

  @Test func progressDeadlineMustExceedMinReadySeconds() throws {
    let yaml = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        minReadySeconds: 30
        progressDeadlineSeconds: 30
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: c, image: busybox}]
      """
    let r = ManifestLoader.parse(text: yaml, file: "d.yaml")
    #expect {
      _ = try WorkloadSpec.parse(try #require(r.objects.first))
    } throws: { e in
      (e as? GarrisonError)?.fieldPath?.description == "spec.progressDeadlineSeconds"
        && ((e as? GarrisonError)?.message.contains("must be greater than minReadySeconds") ?? false)
    }
  }
}
