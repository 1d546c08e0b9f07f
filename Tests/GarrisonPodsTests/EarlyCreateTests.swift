import Foundation
import GarrisonPods
import GarrisonKernel
import Testing

/// App containers created ahead (the runtime's `create`) while the last init container runs, and only started
/// once it succeeded: no app container's command runs before that, a failed init container leaves none created,
/// and deleting the pod meanwhile leaves nothing in the runtime.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct EarlyCreateTests {
  /// crun, and garrison-oci when it is built (its `start` attests and audits).
  static let runtimes: [String] = [Host.crun, Host.garrisonOCI].compactMap { $0 }

  /// A pod whose init container runs `initScript` with the volume at /data, and two app containers that record
  /// what they found there when their command started (`/data/<name>-saw`).
  func pod(_ name: String, policy: String, initScript: String) -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name)}
    spec:
      restartPolicy: \(policy)
      terminationGracePeriodSeconds: 1
      initContainers:
      - name: init
        command: ["/bin/sh", "-c", "\(initScript)"]
        volumeMounts: [{name: d, mountPath: /data}]
      containers:
      - name: a
        command: ["/bin/sh", "-c", "cat /data/marker > /data/a-saw || echo missing > /data/a-saw; exec sleep 1000"]
        volumeMounts: [{name: d, mountPath: /data}]
      - name: b
        command: ["/bin/sh", "-c", "cat /data/marker > /data/b-saw || echo missing > /data/b-saw; exec sleep 1000"]
        volumeMounts: [{name: d, mountPath: /data}]
      volumes: [{name: d, emptyDir: {}}]
    """
  }

  /// Waits (up to `timeout`) until the runtime reports both app containers of pod `name` `created` (set up,
  /// waiting for `start`); returns their runtime ids and the runtime.
  func createdAhead(_ s: Scratch, _ name: String, runtime binary: String, timeout: Double = 3) throws
    -> (ids: [String], runtime: OCIRuntimeBinary)
  {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
      if let v = try s.manager.view("default", name) {
        let runtime = OCIRuntimeBinary(path: binary, root: v.record.runtime.root)
        let ids = ["a", "b"].map { v.record.runtimeID($0) }
        // While `create` runs, the runtime's state directory exists but its state cannot be read yet.
        if ids.allSatisfy({ id in (try? runtime.state(id: id))??.status == "created" }) { return (ids, runtime) }
      }
      usleep(5_000)
    }
    throw TestFailure("the app containers of \(name) were not created while the init container ran")
  }

  @Test(arguments: runtimes)
  func appContainersCreatedAheadRunOnlyAfterTheInitContainerSucceeded(runtime binary: String) throws {
    try withScratch { s in
      let r = try s.apply(pod("early", policy: "Always", initScript: "sleep 0.6; echo done > /data/marker"), runtime: binary)
      #expect(r.succeeded, "\(r.output)")
      let (ids, runtime) = try createdAhead(s, "early", runtime: binary)
      // Created, not started: the init container still runs, and neither app command has run.
      let during = try s.wait("early", timeout: 2) { $0.status.container("init")?.state.kind == .running }
      for id in ids { #expect(try runtime.state(id: id)?.status == "created", "\(id)") }
      for name in ["a", "b"] {
        #expect(!FileManager.default.fileExists(atPath: during.paths.volume("d") + "/\(name)-saw"), "\(name) ran early")
      }
      let v = try s.wait("early") { v in
        v.status.phase == .running && ["a", "b"].allSatisfy { v.status.container($0)?.state.kind == .running }
      }
      let initDone = try #require(v.status.container("init")?.state.finishedAt)
      for name in ["a", "b"] {
        let started = try #require(v.status.container(name)?.state.startedAt)
        #expect(started >= initDone, "\(name) started \(started) before the init container finished \(initDone)")
        var saw = ""
        for _ in 0..<100 where saw.isEmpty {
          saw = (try? String(contentsOfFile: v.paths.volume("d") + "/\(name)-saw", encoding: .utf8)) ?? ""
          if saw.isEmpty { usleep(20_000) }
        }
        #expect(saw == "done\n", "\(name) saw \(saw.debugDescription) when its command started")
      }
      // The audit log has each start once, as with `run` (and garrison-oci's read-back of each).
      let audit = try s.auditRecords()
      for name in ["init", "a", "b"] {
        #expect(audit.filter { $0 == "container.started default/early/\(name)" }.count == 1, "\(audit)")
        if binary == Host.garrisonOCI {
          #expect(audit.filter { $0 == "enforcement.readback default/early/\(name)" }.count == 1, "\(audit)")
        }
      }
      #expect(try s.garrison(["delete", "pod", "early", "--grace-period", "1"]).succeeded)
    }
  }

  @Test(arguments: runtimes)
  func aFailedInitContainerLeavesNoAppContainerCreated(runtime binary: String) throws {
    try withScratch { s in
      try s.apply(pod("never", policy: "Never", initScript: "sleep 0.6; exit 1"), runtime: binary)
      let (ids, runtime) = try createdAhead(s, "never", runtime: binary)
      // Once the supervisor has torn the pod down (the phase is written first).
      let v = try s.wait("never") { $0.status.phase.isTerminal && $0.status.tornDown == true }
      #expect(v.status.phase == .failed && v.status.reason == "Init:Error", "\(v.status.phase) \(v.status.reason ?? "")")
      for id in ids { #expect(!runtime.knows(id: id), "\(id) is still in the runtime") }
      for name in ["a", "b"] {
        #expect(v.status.container(name)?.state.kind == .waiting && v.status.container(name)?.restartCount == 0)
        #expect(!FileManager.default.fileExists(atPath: v.paths.volume("d") + "/\(name)-saw"), "\(name) ran")
        #expect(s.log("never", name).isEmpty)
      }
      #expect(try PodCleanup.mountsUnder(v.paths.directory + "/containers").isEmpty)

      // Retried under OnFailure: created ahead again at every attempt, started at none.
      try s.apply(pod("retry", policy: "OnFailure", initScript: "sleep 0.3; exit 1"), runtime: binary)
      _ = try createdAhead(s, "retry", runtime: binary)
      let w = try s.wait("retry") { ($0.status.container("init")?.restartCount ?? 0) >= 2 }
      #expect(w.status.phase == .pending)
      for name in ["a", "b"] {
        #expect(w.status.container(name)?.restartCount == 0 && w.status.container(name)?.state.kind == .waiting)
        #expect(!FileManager.default.fileExists(atPath: w.paths.volume("d") + "/\(name)-saw"), "\(name) ran")
      }
    }
  }

  @Test(arguments: runtimes)
  func deletingThePodDuringItsInitContainerDeletesTheContainersCreatedAhead(runtime binary: String) throws {
    try withScratch { s in
      try s.apply(pod("doomed", policy: "Always", initScript: "exec sleep 1000"), runtime: binary)
      let (ids, runtime) = try createdAhead(s, "doomed", runtime: binary)
      let pids = try ids.map { try #require(try runtime.state(id: $0)?.pid) }
      #expect(try s.garrison(["delete", "pod", "doomed", "--grace-period", "1"]).succeeded)
      for id in ids { #expect(!runtime.knows(id: id), "\(id) is still in the runtime") }
      for pid in pids { #expect(kill(pid, 0) != 0, "the waiting process \(pid) survived delete") }
    }
  }
}
