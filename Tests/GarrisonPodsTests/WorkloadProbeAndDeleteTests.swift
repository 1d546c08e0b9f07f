import Foundation
import GarrisonAudit
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// Deployments with probes and a progress deadline, cascading deletes, Indexed Jobs and podFailurePolicy, with
/// real pods (root, crun, busybox; the skip reason is printed).
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct WorkloadProbeAndDeleteTests {
  let base = WorkloadTests()

  func status(_ s: Scratch, _ kind: String, _ name: String) throws -> WorkloadStatus {
    let m = WorkloadManager(root: s.root)
    return try m.store.status(m.store.paths("default", kind, name))
  }

  /// A new template whose readiness probe never passes holds the rollout (the old pods stay ready, the new one is
  /// not counted), until `progressDeadlineSeconds` marks it `ProgressDeadlineExceeded` and `rollout status` fails
  /// with kubectl's message; `rollout undo` then completes (`NewReplicaSetAvailable`).
  @Test func failingReadinessProbeHoldsTheRolloutUntilItsDeadline() throws {
    try base.withWorkloads { s in
      func yaml(_ probe: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          progressDeadlineSeconds: 4
          selector: {matchLabels: {app: web}}
          strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
          template:
            metadata: {labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                command: ["/bin/sh", "-c", "exec sleep 1000"]
        \(probe)
        """
      }
      #expect(try s.apply(yaml("")).succeeded)
      try base.waitFor("2/2 ready") { try base.ready(s).count == 2 }
      try base.waitFor("the first rollout complete", timeout: 10) {
        try status(s, "Deployment", "web").conditionNamed("Progressing")?.reason == "NewReplicaSetAvailable"
      }
      let old = Set(try base.ready(s).map(\.record.name))
      let r = try s.apply(yaml("        readinessProbe: {exec: {command: [\"test\", \"-f\", \"/tmp/never\"]}, periodSeconds: 1}"))
      #expect(r.succeeded, "\(r.output)")
      let m = WorkloadManager(root: s.root)
      var minOldReady = Int.max
      var maxPods = 0
      try base.waitFor("ProgressDeadlineExceeded", timeout: 30) {
        let d = try #require(try m.store.object("default", "Deployment", "web"))
        let pods = try m.pods(of: d).filter { !WorkloadStore.terminating($0) }
        minOldReady = min(minOldReady, pods.filter { old.contains($0.record.name) && PodReadiness.isReady($0) }.count)
        maxPods = max(maxPods, pods.count)
        return try status(s, "Deployment", "web").conditionNamed("Progressing")?.reason == "ProgressDeadlineExceeded"
      }
      #expect(minOldReady == 2, "an old pod stopped being ready while the new one never was")
      #expect(maxPods == 3, "the rollout did not hold at one surge pod: \(maxPods)")
      let st = try status(s, "Deployment", "web")
      #expect(st.conditionNamed("Progressing")?.status == "False" && st.condition != "Complete")
      #expect(st.conditionNamed("Progressing")?.message.hasPrefix("ReplicaSet \"web-") ?? false)
      #expect(st.conditionNamed("Available")?.status == "True")
      let rs = try s.garrison(["rollout", "status", "deployment/web", "--timeout", "10"])
      #expect(rs.status == .exited(4) && rs.output.contains("deployment \"web\" exceeded its progress deadline"), "\(rs.output)")
      let describe = try s.garrison(["describe", "deployment", "web"]).output
      #expect(describe.contains("ProgressDeadlineExceeded") && describe.contains("MinimumReplicasAvailable"), "\(describe)")

      #expect(try s.garrison(["rollout", "undo", "deployment/web"]).succeeded)
      try base.waitFor("the undo to complete", timeout: 60) {
        try status(s, "Deployment", "web").conditionNamed("Progressing")?.reason == "NewReplicaSetAvailable"
      }
      #expect(try s.garrison(["rollout", "status", "deployment/web", "--timeout", "10"]).succeeded)
    }
  }

  /// A liveness probe failure restarts the container in place: the pod is neither failed nor replaced.
  @Test func failingLivenessProbeRestartsTheContainerInPlace() throws {
    try base.withWorkloads { s in
      let r = try s.apply(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: sick}
        spec:
          replicas: 1
          selector: {matchLabels: {app: sick}}
          template:
            metadata: {labels: {app: sick}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                command: ["/bin/sh", "-c", "touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 1000"]
                livenessProbe: {exec: {command: ["test", "-f", "/tmp/alive"]}, periodSeconds: 1, failureThreshold: 2}
        """)
      #expect(r.succeeded, "\(r.output)")
      try base.waitFor("1/1 ready") { try base.ready(s, "Deployment", "sick").count == 1 }
      let pod = try base.ready(s, "Deployment", "sick")[0].record.name
      let v = try s.wait(pod, timeout: 30) { $0.status.container("main")?.restartCount ?? 0 >= 1 }
      #expect(
        v.status.events.contains { $0.reason == "Killing" && $0.message == "Container main failed liveness probe, will be restarted" })
      try base.waitFor("ready again after the restart") { try base.ready(s, "Deployment", "sick").map(\.record.name) == [pod] }
      let m = WorkloadManager(root: s.root)
      let d = try #require(try m.store.object("default", "Deployment", "sick"))
      #expect(try m.pods(of: d).map(\.record.name) == [pod])
      #expect(try base.replaced(s).isEmpty)
    }
  }

  /// `--cascade=foreground`: the Deployment stays visible until its last pod is gone, then goes. `orphan`: the
  /// ReplicaSet stays, on its own, and keeps its replicas.
  @Test func foregroundAndOrphanCascades() throws {
    try base.withWorkloads { s in
      #expect(try s.apply(WorkloadTests.deployment(replicas: 2, command: "trap '' TERM; exec sleep 1000")).succeeded)
      try base.waitFor("2/2 ready") { try base.ready(s).count == 2 }
      let m = WorkloadManager(root: s.root)
      let d = try #require(try m.store.object("default", "Deployment", "web"))
      let pid = try Spawn.start([Host.garrison, "delete", "deployment", "web", "--cascade=foreground", "--root", s.root])
      var sawMarked = false
      var ownerGoneFirst = false
      while true {
        let o = try m.store.object("default", "Deployment", "web")
        let pods = try s.manager.list(namespace: "default").filter { $0.record.ownerReferences != nil }
        if o?.deletionTimestamp != nil { sawMarked = true }
        if o == nil && !pods.isEmpty { ownerGoneFirst = true }
        if o == nil { break }
        usleep(50_000)
      }
      #expect(try Spawn.waitPID(pid) == .exited(0))
      #expect(sawMarked, "the Deployment was not shown as being deleted")
      #expect(!ownerGoneFirst, "the Deployment went before its pods")
      #expect(try s.manager.list(namespace: "default").isEmpty)
      #expect(try m.replicaSets(of: d).isEmpty)

      #expect(try s.apply(WorkloadTests.deployment("keep", replicas: 2)).succeeded)
      try base.waitFor("2/2 ready") { try base.ready(s, "Deployment", "keep").count == 2 }
      let keep = try #require(try m.store.object("default", "Deployment", "keep"))
      let rs = try #require(try m.replicaSets(of: keep).first)
      let del = try s.garrison(["delete", "deployment", "keep", "--cascade=orphan"])
      #expect(del.succeeded && del.output.contains("deployment.apps \"keep\" deleted"), "\(del.output)")
      let orphan = try #require(try m.store.object("default", "ReplicaSet", rs.name))
      #expect(orphan.ownerReferences.isEmpty)
      try base.waitFor("2 ready under the orphaned ReplicaSet") { try base.ready(s, "ReplicaSet", rs.name).count == 2 }
      let victim = try base.ready(s, "ReplicaSet", rs.name)[0].record.name
      #expect(try s.garrison(["delete", "pod", victim, "--grace-period", "0"]).succeeded)
      try base.waitFor("the orphaned ReplicaSet replaced its pod") {
        let pods = try base.ready(s, "ReplicaSet", rs.name)
        return pods.count == 2 && !pods.contains { $0.record.name == victim }
      }
    }
  }

  /// An Indexed Job runs one pod per index with `JOB_COMPLETION_INDEX`; a podFailurePolicy `FailJob` rule fails
  /// a Job at the first matching exit code (no further retries), an `Ignore` rule does not count the failure.
  @Test func indexedJobsAndPodFailurePolicy() throws {
    try base.withWorkloads { s in
      let r = try s.apply(
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: idx}
        spec:
          completions: 3
          parallelism: 2
          completionMode: Indexed
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, command: ["/bin/sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: fatal}
        spec:
          backoffLimit: 6
          podFailurePolicy:
            rules:
            - action: FailJob
              onExitCodes: {containerName: c, operator: In, values: [42]}
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, command: ["/bin/sh", "-c", "exit 42"]}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: flaky}
        spec:
          backoffLimit: 0
          podFailurePolicy:
            rules:
            - action: Ignore
              onExitCodes: {operator: In, values: [7]}
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, command: ["/bin/sh", "-c", "exit 7"]}]
        """)
      #expect(r.succeeded, "\(r.output)")
      let m = WorkloadManager(root: s.root)
      try base.waitFor("job idx complete", timeout: 60) { try status(s, "Job", "idx").condition == "Complete" }
      let idx = try status(s, "Job", "idx")
      #expect(idx.succeeded == 3 && idx.completedIndexes == "0-2")
      let pods = try m.pods(of: try #require(try m.store.object("default", "Job", "idx")))
      #expect(pods.count == 3)
      for v in pods {
        let i = try #require(v.record.annotations?["batch.kubernetes.io/job-completion-index"])
        #expect(v.record.name.hasPrefix("idx-\(i)-") && v.record.labels?["batch.kubernetes.io/job-completion-index"] == i)
        #expect(s.log(v.record.name, "c").contains("index=\(i) host=idx-\(i)"), "\(s.log(v.record.name, "c"))")
      }
      #expect(try s.garrison(["describe", "job", "idx"]).output.contains("Completed Indexes:"))

      try base.waitFor("job fatal failed", timeout: 60) { try status(s, "Job", "fatal").condition == "Failed" }
      let fatal = try status(s, "Job", "fatal")
      #expect(fatal.conditionReason == "PodFailurePolicy", "\(fatal)")
      #expect(fatal.conditionMessage?.hasPrefix("Container c for pod default/fatal-") ?? false)
      #expect(fatal.conditionMessage?.hasSuffix("failed with exit code 42 matching FailJob rule at index 0") ?? false, "\(fatal)")
      #expect(try m.pods(of: try #require(try m.store.object("default", "Job", "fatal"))).count == 1)

      // backoffLimit 0, every failure ignored: the Job keeps retrying instead of failing.
      try base.waitFor("three ignored failures of job flaky", timeout: 60) {
        try m.pods(of: try #require(try m.store.object("default", "Job", "flaky"))).filter { $0.status.phase == .failed }.count >= 3
      }
      let flaky = try status(s, "Job", "flaky")
      #expect(flaky.condition == nil && flaky.failed == 0, "\(flaky)")
    }
  }
}
