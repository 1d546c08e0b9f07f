import Foundation
import GarrisonPods
import GarrisonKernel
import Testing

/// The start order the supervisor keeps while it launches app containers in parallel and prepares roots ahead:
/// init containers run one at a time to completion before any app container starts; sidecars (init containers
/// with restartPolicy Always) are started before the app containers and keep running.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct PodStartOrderTests {
  /// Each app container records what it found when it started: both init containers' files must be there,
  /// and its status start time is after both init containers finished.
  @Test func initContainersFinishBeforeAnyAppContainerStartsWithCrun() throws {
    try checkInitOrder(runtime: Host.crun!)
  }

  /// The same with garrison-oci, whose `run --detach` returns only after the attestation.
  @Test(.enabled(if: Host.garrisonOCI != nil, "garrison-oci and garrison-init are not built beside garrison"))
  func initContainersFinishBeforeAnyAppContainerStartsWithGarrisonOCI() throws {
    try checkInitOrder(runtime: Host.garrisonOCI!)
  }

  private func checkInitOrder(runtime binary: String) throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: order}
        spec:
          terminationGracePeriodSeconds: 1
          initContainers:
          - name: first
            command: ["/bin/sh", "-c", "sleep 0.3; echo 1 > /data/first"]
            volumeMounts: [{name: d, mountPath: /data}]
          - name: second
            command: ["/bin/sh", "-c", "test -f /data/first && echo 2 > /data/second"]
            volumeMounts: [{name: d, mountPath: /data}]
          containers:
          - name: a
            command: ["/bin/sh", "-c", "cat /data/first /data/second > /data/a-saw; exec sleep 1000"]
            volumeMounts: [{name: d, mountPath: /data}]
          - name: b
            command: ["/bin/sh", "-c", "cat /data/first /data/second > /data/b-saw; exec sleep 1000"]
            volumeMounts: [{name: d, mountPath: /data}]
          - name: c
            command: ["/bin/sh", "-c", "cat /data/first /data/second > /data/c-saw; exec sleep 1000"]
            volumeMounts: [{name: d, mountPath: /data}]
          volumes: [{name: d, emptyDir: {}}]
        """, runtime: binary)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("order") { v in
        v.status.phase == .running && ["a", "b", "c"].allSatisfy { v.status.container($0)?.state.kind == .running }
      }
      let inits = try ["first", "second"].map { try #require(v.status.container($0)) }
      for c in inits { #expect(c.state.kind == .terminated && c.state.exitCode == 0, "\(c.name): \(c.state)") }
      let initsDone = try #require(inits.compactMap(\.state.finishedAt).max())
      let firstDone = try #require(inits[0].state.finishedAt)
      let secondStarted = try #require(inits[1].state.startedAt)
      #expect(firstDone <= secondStarted)
      for name in ["a", "b", "c"] {
        let started = try #require(v.status.container(name)?.state.startedAt)
        #expect(started >= initsDone, "\(name) started \(started) before the init containers finished \(initsDone)")
      }
      // What each app container saw in the shared volume when it started: both init containers' output.
      let volume = v.paths.volume("d")
      for name in ["a", "b", "c"] {
        var saw = ""
        for _ in 0..<100 where saw.isEmpty {
          saw = (try? String(contentsOfFile: volume + "/\(name)-saw", encoding: .utf8)) ?? ""
          if saw.isEmpty { usleep(20_000) }
        }
        #expect(saw == "1\n2\n", "\(name) saw \(saw.debugDescription)")
      }
      // Started events: the init containers in order, then the three app containers (any order among them).
      let started = v.status.events.filter { $0.reason == "Started" }.map { String($0.message.split(separator: " ")[1]) }
      #expect(
        started.count == 5 && started[0] == "first" && started[1] == "second" && Set(started[2...]) == ["a", "b", "c"],
        "\(started)")
      let d = try s.garrison(["delete", "pod", "order", "--grace-period", "1"])
      #expect(d.succeeded, "\(d.output)")
    }
  }

  /// A sidecar starts after the init container before it and before the init container after it and every
  /// app container, and is still running when the app containers are.
  @Test func sidecarsStartBeforeAppContainers() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: sides}
        spec:
          terminationGracePeriodSeconds: 1
          initContainers:
          - {name: setup, command: ["/bin/sh", "-c", "sleep 0.2"]}
          - {name: side, restartPolicy: Always, command: ["/bin/sh", "-c", "exec sleep 1000"]}
          - {name: after, command: ["/bin/sh", "-c", "true"]}
          containers:
          - {name: a, command: ["/bin/sh", "-c", "exec sleep 1000"]}
          - {name: b, command: ["/bin/sh", "-c", "exec sleep 1000"]}
        """)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("sides") { v in
        v.status.phase == .running && ["side", "a", "b"].allSatisfy { v.status.container($0)?.state.kind == .running }
      }
      let setupDone = try #require(v.status.container("setup")?.state.finishedAt)
      let side = try #require(v.status.container("side")?.state.startedAt)
      let after = try #require(v.status.container("after")?.state)
      #expect(side >= setupDone)
      let afterStarted = try #require(after.startedAt)
      let afterDone = try #require(after.finishedAt)
      #expect(afterStarted >= side && after.exitCode == 0)
      for name in ["a", "b"] {
        let started = try #require(v.status.container(name)?.state.startedAt)
        #expect(started >= side && started >= afterDone, "\(name) started before the sidecar or the init container")
      }
      let started = v.status.events.filter { $0.reason == "Started" }.map { String($0.message.split(separator: " ")[1]) }
      #expect(Array(started.prefix(3)) == ["setup", "side", "after"] && Set(started.dropFirst(3)) == ["a", "b"], "\(started)")
      #expect(try s.garrison(["delete", "pod", "sides", "--grace-period", "1"]).succeeded)
    }
  }
}
