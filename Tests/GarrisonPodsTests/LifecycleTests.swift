import Foundation
import GarrisonPods
import Testing
import GarrisonKernel

/// Real pods through the garrison CLI and crun (root only; the skip reason is printed).
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct LifecycleTests {
  @Test func initSidecarAndMainShareAnEmptyDir() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: shared}
        spec:
          initContainers:
          - name: init
            command: ["/bin/sh", "-c", "echo from-init > /data/msg"]
            volumeMounts: [{name: data, mountPath: /data}]
          - name: side
            restartPolicy: Always
            command: ["/bin/sh", "-c", "echo side:$(cat /data/msg); exec sleep 1000"]
            volumeMounts: [{name: data, mountPath: /data, readOnly: true}]
          containers:
          - name: main
            command: ["/bin/sh", "-c", "echo main:$(cat /data/msg); touch /data/ro-test && echo writable; exec sleep 1000"]
            volumeMounts: [{name: data, mountPath: /data}]
          volumes: [{name: data, emptyDir: {}}]
        """)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("shared") { v in
        v.status.phase == .running && v.status.containers.allSatisfy { $0.role == .initContainer || $0.state.kind == .running }
          && s.log("shared", "main").contains("writable")
      }
      #expect(v.status.phase == .running)
      let initState = v.status.container("init")?.state
      #expect(initState?.kind == .terminated && initState?.reason == "Completed" && initState?.exitCode == 0)
      #expect(v.status.container("side")?.state.kind == .running)
      #expect(s.log("shared", "side").contains("side:from-init"))
      #expect(s.log("shared", "main").contains("main:from-init"))
      // The sidecar started before the main container (order of events).
      let started = v.status.events.filter { $0.reason == "Started" }.map(\.message)
      #expect(
        started.count == 3 && started[0].hasPrefix("container init") && started[1].hasPrefix("container side")
          && started[2].hasPrefix("container main"))
      // One network/IPC/UTS namespace for the pod: both running containers share the sandbox's.
      let pids = ["side", "main"].compactMap { v.status.container($0)?.pid }
      let sandbox = try #require(v.status.sandbox)
      for ns in ["net", "ipc", "uts"] {
        let want = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sandbox.pid)/ns/\(ns)")
        for pid in pids { #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(ns)") == want) }
      }
      // kubectl-style output: READY counts the sidecar, as kubectl does.
      let get = try s.garrison(["get", "pods"])
      #expect(get.output.contains("shared") && get.output.contains("2/2") && get.output.contains("Running"), "\(get.output)")
      let describe = try s.garrison(["describe", "pod", "shared"])
      #expect(describe.succeeded)
      for text in ["Status:             Running", "Init Containers:", "side:", "Restart Count:  0", "Events:", "SandboxReady", "Started"] {
        #expect(describe.output.contains(text), "describe lacks \(text): \(describe.output)")
      }
      let logs = try s.garrison(["logs", "shared", "-c", "side"])
      #expect(logs.output == "side:from-init\n")
      let d = try s.garrison(["delete", "pod", "shared", "--grace-period", "1"])
      #expect(d.succeeded, "\(d.output)")
      for pid in pids { #expect(kill(pid, 0) != 0, "container pid \(pid) survived delete") }
      // The audit log has the admission, every start and every exit.
      let audit = try s.auditRecords()
      #expect(audit.first == "pod.admitted default/shared")
      for c in ["init", "side", "main"] {
        #expect(audit.contains("container.started default/shared/\(c)"))
        #expect(audit.contains("container.exited default/shared/\(c)"))
      }
      #expect(!FileManager.default.fileExists(atPath: s.root + "/pods/default/shared"))
    }
  }

  @Test func failingInitContainerKeepsAppContainersFromStarting() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: badinit}
        spec:
          restartPolicy: Never
          initContainers: [{name: init, command: ["/bin/sh", "-c", "echo failing; exit 3"]}]
          containers: [{name: main, command: ["/bin/sh", "-c", "echo should-not-run"]}]
        """)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("badinit") { $0.status.phase.isTerminal }
      #expect(v.status.phase == .failed)
      #expect(v.status.container("init")?.state.exitCode == 3)
      #expect(v.status.container("init")?.state.reason == "Error")
      #expect(v.status.container("main")?.state.kind == .waiting)
      #expect(v.status.container("main")?.restartCount == 0)
      #expect(s.log("badinit", "main").isEmpty)
      let get = try s.garrison(["get", "pods"])
      #expect(get.output.contains("Init:Error"), "\(get.output)")

      // With OnFailure the init container is retried (with backoff) and the app still never starts.
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: retryinit}
        spec:
          restartPolicy: OnFailure
          initContainers: [{name: init, command: ["/bin/sh", "-c", "exit 1"]}]
          containers: [{name: main, command: ["/bin/sh", "-c", "echo should-not-run"]}]
        """)
      let w = try s.wait("retryinit") { ($0.status.container("init")?.restartCount ?? 0) >= 2 }
      #expect((w.status.container("init")?.restartCount ?? 0) >= 2)
      #expect(w.status.phase == .pending)
      #expect(w.status.container("main")?.restartCount == 0 && w.status.container("main")?.state.kind == .waiting)
    }
  }

  @Test(arguments: [
    ("Never", "exit 1", PodPhase.failed, "Error", Int32(1)),
    ("Never", "exit 0", PodPhase.succeeded, "Completed", Int32(0)),
    ("OnFailure", "exit 0", PodPhase.succeeded, "Completed", Int32(0)),
  ])
  func restartPolicyFinishesPods(policy: String, script: String, phase: PodPhase, reason: String, code: Int32) throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: once}
        spec:
          restartPolicy: \(policy)
          containers: [{name: main, command: ["/bin/sh", "-c", "echo ran; \(script)"]}]
        """)
      let v = try s.wait("once") { $0.status.phase.isTerminal }
      #expect(v.status.phase == phase)
      #expect(v.status.container("main")?.state.reason == reason)
      #expect(v.status.container("main")?.state.exitCode == code)
      #expect(v.status.container("main")?.restartCount == 0)
      #expect(s.log("once", "main") == "ran\n")
    }
  }

  @Test func restartPolicyAlwaysRestartsWithBackoffAndKeepsPreviousLogs() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: crash}
        spec:
          containers: [{name: main, command: ["/bin/sh", "-c", "test -e /marker && echo stale-rootfs; touch /marker; echo run; exit 2"]}]
        """)
      let v = try s.wait("crash") { ($0.status.container("main")?.restartCount ?? 0) >= 3 }
      let c = try #require(v.status.container("main"))
      #expect(c.restartCount >= 3)
      #expect(v.status.phase == .running)
      #expect(c.lastState?.reason == "Error" && c.lastState?.exitCode == 2)
      // Every restart starts from a fresh copy-on-write root (the previous run's /marker is gone).
      let prev = try s.garrison(["logs", "crash", "--previous"])
      #expect(prev.output == "run\n")
      for i in 0..<c.restartCount { #expect(s.log("crash", "main", restart: i) == "run\n") }
      // Backoff doubles: with base 0.2s, restarts 1..3 take at least 0.2 + 0.4 + 0.8 s after the first exit.
      let times = v.status.events.filter { $0.reason == "Started" }.map(\.time)
      #expect(times.count >= 4)
      if times.count >= 4 { #expect(times[3].timeIntervalSince(times[0]) >= 1.3) }
      // CrashLoopBackOff is reported while waiting (the delay keeps doubling: 1.6 s, 3.2 s, ...).
      let waiting = try s.wait("crash") { $0.status.container("main")?.state.reason == "CrashLoopBackOff" }
      #expect(waiting.status.container("main")?.state.kind == .waiting)
      #expect(waiting.status.container("main")?.state.message?.contains("back-off") == true)
    }
  }

  @Test func logsFollowUntilTheContainerExits() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: talk}
        spec:
          restartPolicy: Never
          containers: [{name: main, command: ["/bin/sh", "-c", "echo err >&2; sleep 0.3; echo first; sleep 1; echo second; printf no-newline"]}]
        """)
      _ = try s.wait("talk") { $0.status.container("main")?.state.kind == .running }
      let follow = try s.garrison(["logs", "talk", "-f"])
      #expect(follow.succeeded)
      // stdout and stderr are separate pipes (ordered within a stream only, as in CRI); the final partial line
      // is written when the stream ends.
      #expect(follow.output == "err\nfirst\nsecond\nno-newline", "\(follow.output)")
      let raw = try s.garrison(["logs", "talk", "--raw"])
      #expect(
        raw.output.contains(" stdout F first\n") && raw.output.contains(" stderr F err\n") && raw.output.contains(" stdout P no-newline"))
    }
  }

  @Test func samePodNameInTwoNamespaces() throws {
    try withScratch { s in
      for ns in ["team-a", "team-b"] {
        let r = try s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: twin, namespace: \(ns)}
          spec:
            containers: [{name: main, command: ["/bin/sh", "-c", "echo \(ns); exec sleep 1000"]}]
          """)
        #expect(r.succeeded, "\(r.output)")
      }
      for ns in ["team-a", "team-b"] {
        let v = try s.wait("twin", ns: ns) { $0.status.phase == .running }
        #expect(v.status.phase == .running)
      }
      #expect(try s.manager.list(namespace: nil).count == 2)
      let all = try s.garrison(["get", "pods", "-A"])
      #expect(all.output.contains("team-a") && all.output.contains("team-b"))
      #expect(try s.garrison(["get", "pods"]).output.isEmpty || !(try s.garrison(["get", "pods"]).output.contains("twin")))
      let d = try s.garrison(["delete", "pod", "twin", "-n", "team-a", "--grace-period", "1"])
      #expect(d.succeeded)
      #expect(try s.manager.view("team-a", "twin") == nil)
      #expect(try s.manager.view("team-b", "twin")?.status.phase == .running)
      // Re-applying the same pod is a no-op; a different spec under the same name is refused.
      let same = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: twin, namespace: team-b}
        spec:
          containers: [{name: main, command: ["/bin/sh", "-c", "echo team-b; exec sleep 1000"]}]
        """)
      #expect(same.succeeded && same.output.contains("unchanged"), "\(same.output)")
      let changed = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: twin, namespace: team-b}
        spec:
          containers: [{name: main, command: ["/bin/sh", "-c", "echo other"]}]
        """)
      #expect(changed.status == .exited(3), "\(changed.output)")
    }
  }

  @Test func memoryLimitedContainerIsReportedOOMKilled() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: hog}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            command: ["/bin/sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"]
            resources: {limits: {memory: 32Mi}}
        """)
      let v = try s.wait("hog", timeout: 60) { $0.status.phase.isTerminal }
      let st = v.status.container("main")?.state
      #expect(st?.reason == "OOMKilled", "\(String(describing: st))")
      #expect(st?.exitCode == 137)
      #expect(v.status.phase == .failed)
      #expect(try s.auditRecords().contains("container.oom_killed default/hog/main"))
    }
  }

  @Test func supervisorKilledWithSigkillIsDetectedAndCleanedUp() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: orphan}
        spec:
          containers: [{name: main, command: ["/bin/sh", "-c", "exec sleep 1000"]}]
          volumes: [{name: mem, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
        """)
      let v = try s.wait("orphan") { $0.status.container("main")?.state.kind == .running }
      let sup = try #require(v.status.supervisor)
      let pid = try #require(v.status.container("main")?.pid)
      #expect(try !PodCleanup.mountsUnder(v.paths.directory).isEmpty)
      kill(sup.pid, SIGKILL)
      var gone = false
      for _ in 0..<100 where !gone { gone = !ProcessProbe.isAlive(sup); usleep(20_000) }
      let after = try #require(try s.manager.view("default", "orphan"))
      #expect(after.status.phase == .unknown && after.status.reason == "SupervisorLost")
      // kubectl's STATUS shows the pod's reason; the Ready condition is False.
      #expect(try s.garrison(["get", "pods"]).output.contains("SupervisorLost"))
      #expect(!after.status.isReady && after.status.condition("Ready")?.reason == "SupervisorLost")
      // Re-applying does not pretend all is well.
      let again = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: orphan}
        spec:
          containers: [{name: main, command: ["/bin/sh", "-c", "exec sleep 1000"]}]
          volumes: [{name: mem, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
        """)
      #expect(again.status == .exited(3) && again.output.contains("supervisor is gone"), "\(again.output)")
      // The container itself keeps running until delete, which removes it and everything else.
      #expect(kill(pid, 0) == 0)
      let d = try s.garrison(["delete", "pod", "orphan", "--grace-period", "1"])
      #expect(d.succeeded, "\(d.output)")
      usleep(100_000)
      #expect(
        ProcessProbe.startTime(pid) == nil || (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z") == true)
      #expect(try PodCleanup.mountsUnder(v.paths.directory).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: v.paths.directory))
      let state = try Spawn.run([Host.crun!, "--root", PodPaths.runtimeRoot(s.root), "state", v.record.runtimeID("main")])
      #expect(!state.succeeded)
    }
  }
}
