import Foundation
import GarrisonAudit
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing
import GarrisonKernel

/// Deployments, ReplicaSets and Jobs with real pods (root, crun, busybox; the skip reason is printed).
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct WorkloadTests {
  static func deployment(
    _ name: String = "web", replicas: Int = 3, env: String = "a",
    strategy: String = "{type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
    command: String = "exec sleep 1000"
  ) -> String {
    """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: \(name), labels: {app: \(name)}}
    spec:
      replicas: \(replicas)
      selector: {matchLabels: {app: \(name)}}
      strategy: \(strategy)
      template:
        metadata: {labels: {app: \(name)}}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            command: ["/bin/sh", "-c", "\(command)"]
            env: [{name: VERSION, value: "\(env)"}]
    """
  }

  /// Runs the body, then deletes every workload (so no controller recreates pods) before the scratch goes.
  func withWorkloads(_ body: (Scratch) throws -> Void) throws {
    try withScratch { s in
      defer {
        let m = WorkloadManager(root: s.root)
        for o in (try? m.store.all(namespace: nil)) ?? [] where o.ownerReferences.isEmpty {
          _ = try? m.delete(o.kind, o.namespace, o.name, grace: 0)
        }
      }
      try body(s)
    }
  }

  /// Ready pods of the workload that are not being deleted.
  func ready(_ s: Scratch, _ kind: String = "Deployment", _ name: String = "web") throws -> [PodView] {
    let m = WorkloadManager(root: s.root)
    guard let o = try m.store.object("default", kind, name) else { return [] }
    return try m.pods(of: o).filter { PodReadiness.isReady($0) && !WorkloadStore.terminating($0) }
  }

  func waitFor(_ what: String, timeout: Double = 30, _ cond: () throws -> Bool) throws {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
      if try cond() { return }
      usleep(100_000)
    }
    throw TestFailure("timed out waiting for \(what)")
  }

  func replaced(_ s: Scratch) throws -> [AuditRecord] {
    try AuditReader.readAll(directory: AuditPaths.directory(root: s.root)).filter { $0.kind == .podReplaced }
  }

  @Test func deploymentKeepsItsReplicas() throws {
    try withWorkloads { s in
      let r = try s.apply(Self.deployment())
      #expect(r.succeeded, "\(r.output)")
      #expect(r.output.contains("deployment.apps/web created"))
      try waitFor("3/3 ready") { try ready(s).count == 3 }
      let m = WorkloadManager(root: s.root)
      let d = try #require(try m.store.object("default", "Deployment", "web"))
      let rs = try m.replicaSets(of: d)
      #expect(rs.count == 1)
      let hash = TemplateHash.compute(template: d.spec.template)
      #expect(rs.first?.name == "web-\(hash)")
      for v in try ready(s) {
        #expect(v.record.name.hasPrefix("web-\(hash)-") && v.record.name.count == "web-\(hash)-".count + 5)
        #expect(v.record.labels?["pod-template-hash"] == hash && v.record.labels?["app"] == "web")
        #expect(v.record.ownerReferences?.first?.kind == "ReplicaSet" && v.record.ownerReferences?.first?.name == rs.first?.name)
      }
      try waitFor("the status to say 3 ready", timeout: 5) {
        (try m.store.status(m.store.paths("default", "Deployment", "web"))).readyReplicas == 3
      }
      let get = try s.garrison(["get", "deployments"])
      #expect(get.output.contains("READY") && get.output.contains("UP-TO-DATE") && get.output.contains("3/3"), "\(get.output)")
      let getRS = try s.garrison(["get", "rs"])
      #expect(getRS.output.contains("DESIRED") && getRS.output.contains("web-\(hash)"), "\(getRS.output)")
      let sel = try s.garrison(["get", "pods", "-l", "app=web,pod-template-hash in (\(hash))", "--show-labels"])
      #expect(sel.output.split(separator: "\n").count == 4 && sel.output.contains("LABELS"), "\(sel.output)")
      let none = try s.garrison(["get", "pods", "-l", "app!=web"])
      #expect(!none.output.contains("web-"))
      let bad = try s.garrison(["get", "pods", "-l", "app=web,"])
      #expect(bad.status == .exited(2) && bad.output.contains("position"), "\(bad.output)")

      // 1. A pod deleted by hand is replaced.
      let victim = try ready(s)[0].record.name
      #expect(try s.garrison(["delete", "pod", victim, "--grace-period", "0"]).succeeded)
      try waitFor("3/3 after a deletion") { try ready(s).count == 3 && !ready(s).contains { $0.record.name == victim } }
      try waitFor("pod.replaced for the deleted pod", timeout: 5) { try replaced(s).contains { $0.object.pod == victim } }

      // 2. A container killed (exit 137) under restartPolicy Always restarts in place.
      let target = try ready(s)[0]
      let pid = try #require(target.status.containers.first?.pid)
      kill(pid, SIGKILL)
      try waitFor("the container restarted in place") {
        guard let v = try s.manager.view("default", target.record.name) else { return false }
        return v.status.containers[0].restartCount >= 1 && PodReadiness.isReady(v)
      }
      try waitFor("3/3 after a container exit") { try ready(s).count == 3 }

      // 3. kill -9 of a pod's supervisor: the pod is replaced.
      let lost = try ready(s)[0]
      let sup = try #require(lost.status.supervisor)
      kill(sup.pid, SIGKILL)
      try waitFor("3/3 after a supervisor kill") { try ready(s).count == 3 && !ready(s).contains { $0.record.name == lost.record.name } }
      try waitFor("pod.replaced SupervisorLost", timeout: 5) {
        try replaced(s).contains {
          $0.object.pod == lost.record.name && ($0.details["reason"]?.stringValue ?? "").hasPrefix("SupervisorLost")
        }
      }
      try waitFor("the lost pod cleaned up", timeout: 10) { try s.manager.view("default", lost.record.name) == nil }

      // scale to 5 and to 1.
      #expect(try s.garrison(["scale", "deployment/web", "--replicas", "5"]).succeeded)
      try waitFor("5 ready") { try ready(s).count == 5 }
      #expect(try s.garrison(["scale", "deployment", "web", "--replicas", "1"]).succeeded)
      try waitFor("1 ready and nothing else", timeout: 30) {
        try ready(s).count == 1 && WorkloadManager(root: s.root).pods(of: d).count == 1
      }
      let kinds = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root)).map(\.kind)
      #expect(kinds.filter { $0 == .workloadScaled }.count == 2)
      #expect(kinds.contains(.workloadRolloutStarted) && kinds.contains(.workloadRolloutCompleted))

      // Cascading delete.
      let del = try s.garrison(["delete", "deployment", "web"])
      #expect(del.succeeded && del.output.contains("deployment.apps \"web\" deleted"), "\(del.output)")
      #expect(try s.manager.list(namespace: "default").isEmpty)
      #expect(try WorkloadManager(root: s.root).store.all(namespace: nil).isEmpty)
    }
  }

  @Test func rollingUpdateKeepsReadyPodsAndUndoReturns() throws {
    try withWorkloads { s in
      #expect(try s.apply(Self.deployment(env: "a")).succeeded)
      try waitFor("3/3 ready") { try ready(s).count == 3 }
      let m = WorkloadManager(root: s.root)
      let hashA = TemplateHash.compute(template: try #require(try m.store.object("default", "Deployment", "web")).spec.template)
      let r = try s.apply(Self.deployment(env: "b"))
      #expect(r.output.contains("deployment.apps/web configured"), "\(r.output)")
      var minReady = Int.max
      var maxPods = 0
      try waitFor("the rollout to complete", timeout: 60) {
        let d = try #require(try m.store.object("default", "Deployment", "web"))
        let pods = try m.pods(of: d).filter { !WorkloadStore.terminating($0) }
        minReady = min(minReady, pods.filter(PodReadiness.isReady).count)
        maxPods = max(maxPods, pods.count)
        let st = try m.store.status(m.store.paths("default", "Deployment", "web"))
        return st.condition == "Complete" && st.observedGeneration == d.generation
      }
      #expect(minReady >= 3, "ready pods dropped to \(minReady) during the rollout")
      #expect(maxPods <= 4, "more than replicas + maxSurge pods: \(maxPods)")
      let d = try #require(try m.store.object("default", "Deployment", "web"))
      let sets = try m.replicaSets(of: d)
      #expect(sets.count == 2)
      #expect(sets.first { $0.templateHash == hashA }?.spec.replicas == 0)
      #expect(try ready(s).allSatisfy { $0.record.labels?["pod-template-hash"] != hashA })
      let status = try s.garrison(["rollout", "status", "deployment/web", "--timeout", "30"])
      #expect(status.output.contains("successfully rolled out"), "\(status.output)")
      let history = try s.garrison(["rollout", "history", "deployment/web"])
      #expect(history.output.contains("REVISION") && history.output.contains("2"), "\(history.output)")

      // undo → back to A (its ReplicaSet re-adopted, revision 3).
      #expect(try s.garrison(["rollout", "undo", "deployment/web"]).succeeded)
      try waitFor("the undo to complete", timeout: 60) {
        let pods = try ready(s)
        let st = try m.store.status(m.store.paths("default", "Deployment", "web"))
        return pods.count == 3 && pods.allSatisfy { $0.record.labels?["pod-template-hash"] == hashA } && st.condition == "Complete"
      }
      let a = try #require(try m.replicaSets(of: d).first { $0.templateHash == hashA })
      #expect(a.revision == 3 && a.spec.replicas == 3)
    }
  }

  @Test func killedControllerDuringARolloutRecovers() throws {
    try withWorkloads { s in
      #expect(try s.apply(Self.deployment(env: "a")).succeeded)
      try waitFor("3/3 ready") { try ready(s).count == 3 }
      let m = WorkloadManager(root: s.root)
      #expect(try s.apply(Self.deployment(env: "b")).succeeded)
      usleep(300_000)
      let p = m.store.paths("default", "Deployment", "web")
      let c = try #require(try JSONFile.read(ProcessRef.self, from: p.controller))
      kill(c.pid, SIGKILL)
      // The next command starts a new controller, which finishes the rollout from what is on disk.
      #expect(try s.garrison(["get", "deploy"]).succeeded)
      var maxPods = 0
      try waitFor("the rollout to complete after the controller was killed", timeout: 60) {
        let d = try #require(try m.store.object("default", "Deployment", "web"))
        maxPods = max(maxPods, try m.pods(of: d).filter { !WorkloadStore.terminating($0) }.count)
        let st = try m.store.status(p)
        return st.condition == "Complete" && st.observedGeneration == d.generation
      }
      #expect(maxPods <= 4)
      let d = try #require(try m.store.object("default", "Deployment", "web"))
      let hash = TemplateHash.compute(template: d.spec.template)
      try waitFor("only new pods", timeout: 20) {
        let pods = try m.pods(of: d)
        return pods.count == 3 && pods.allSatisfy { $0.record.labels?["pod-template-hash"] == hash }
      }
      let c2 = try #require(try JSONFile.read(ProcessRef.self, from: p.controller))
      #expect(c2 != c && ProcessProbe.isAlive(c2))
    }
  }

  /// Two `apply`s of the same new Deployment at once make one object; an `apply` of a changed template racing a
  /// `scale` never has more than replicas + maxSurge pods (not counting pods being deleted).
  @Test func concurrentCommandsStayWithinTheSurge() throws {
    try withWorkloads { s in
      func start(_ yaml: String) throws -> pid_t {
        let file = s.dir + "/c-\(UInt32.random(in: 0..<UInt32.max)).yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return try Spawn.start([
          Host.garrison, "apply", "-f", file, "--rootfs", s.rootfs, "--runtime", Host.crun!, "--no-seccomp-default",
          "--network", "none", "--root", s.root,
        ])
      }
      let a = try start(Self.deployment(env: "a"))
      let b = try start(Self.deployment(env: "a"))
      #expect(try Spawn.waitPID(a) == .exited(0))
      #expect(try Spawn.waitPID(b) == .exited(0))
      let m = WorkloadManager(root: s.root)
      #expect(try m.store.list(kind: "Deployment", namespace: "default").count == 1)
      try waitFor("3/3 ready") { try ready(s).count == 3 }
      let d = try #require(try m.store.object("default", "Deployment", "web"))
      var maxPods = 0
      func sample() throws { maxPods = max(maxPods, try m.pods(of: d).filter { !WorkloadStore.terminating($0) }.count) }
      let c = try start(Self.deployment(env: "b"))
      let scale = try Spawn.start([Host.garrison, "scale", "deployment/web", "--replicas", "3", "--root", s.root])
      try sample()
      #expect(try Spawn.waitPID(c) == .exited(0))
      #expect(try Spawn.waitPID(scale) == .exited(0))
      try waitFor("the rollout to complete", timeout: 60) {
        try sample()
        let cur = try #require(try m.store.object("default", "Deployment", "web"))
        let st = try m.store.status(m.store.paths("default", "Deployment", "web"))
        return st.condition == "Complete" && st.observedGeneration == cur.generation
      }
      #expect(maxPods <= 4, "more than replicas + maxSurge pods: \(maxPods)")
      try waitFor("3 pods", timeout: 20) { try m.pods(of: d).count == 3 }
    }
  }

  @Test func jobsCompleteOrStopAtTheirBackoffLimit() throws {
    try withWorkloads { s in
      let r = try s.apply(
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: ok}
        spec:
          completions: 3
          parallelism: 2
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, command: ["/bin/sh", "-c", "sleep 0.3; echo done"]}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: bad}
        spec:
          backoffLimit: 1
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, command: ["/bin/sh", "-c", "exit 3"]}]
        """)
      #expect(r.succeeded, "\(r.output)")
      let m = WorkloadManager(root: s.root)
      try waitFor("job ok complete", timeout: 60) { (try m.store.status(m.store.paths("default", "Job", "ok"))).condition == "Complete" }
      let ok = try m.store.status(m.store.paths("default", "Job", "ok"))
      #expect(ok.succeeded == 3)
      try waitFor("job bad failed", timeout: 60) { (try m.store.status(m.store.paths("default", "Job", "bad"))).condition == "Failed" }
      let bad = try m.store.status(m.store.paths("default", "Job", "bad"))
      #expect(bad.conditionReason == "BackoffLimitExceeded" && bad.failed == 2)
      let badJob = try #require(try m.store.object("default", "Job", "bad"))
      #expect(try m.pods(of: badJob).count == 2)
      let get = try s.garrison(["get", "jobs"])
      #expect(get.output.contains("COMPLETIONS") && get.output.contains("3/3") && get.output.contains("0/1"), "\(get.output)")
    }
  }

  @Test func aRefusedTemplateCreatesNothing() throws {
    try withWorkloads { s in
      let r = try s.apply(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: root}
        spec:
          replicas: 2
          selector: {matchLabels: {app: root}}
          template:
            metadata: {labels: {app: root}}
            spec:
              securityContext: {runAsNonRoot: true, runAsUser: 0}
              containers: [{name: c, command: ["sleep", "100"]}]
        """)
      #expect(r.status == .exited(3), "\(r.output)")
      #expect(try WorkloadManager(root: s.root).store.all(namespace: nil).isEmpty)
      #expect(try s.manager.list(namespace: nil).isEmpty)
      let sts = try s.apply(
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          serviceName: db
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers: [{name: c, command: ["sleep", "100"]}]
        """)
      #expect(sts.status == .exited(3) && sts.output.contains("StatefulSet is not supported"), "\(sts.output)")
    }
  }
}
