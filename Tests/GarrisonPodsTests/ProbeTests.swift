import Foundation
import GarrisonPods
import Testing

/// Probes run by the pod supervisor on real pods (root only; the skip reason is printed).
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct ProbeTests {
  @Test func failingReadinessProbeKeepsThePodNotReadyUntilItPasses() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: warmup}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            command: ["/bin/sh", "-c", "sleep 3; touch /tmp/ready; exec sleep 1000"]
            readinessProbe: {exec: {command: ["test", "-f", "/tmp/ready"]}, periodSeconds: 1}
        """)
      #expect(r.succeeded, "\(r.output)")
      let early = try s.wait("warmup") { v in
        v.status.events.contains { $0.reason == "Unhealthy" } && v.status.container("main")?.state.kind == .running
      }
      #expect(early.status.phase == .running && early.status.container("main")?.ready == false && !early.status.isReady)
      #expect(early.status.condition("Ready")?.reason == "ContainersNotReady")
      #expect(try s.garrison(["get", "pods"]).output.contains("0/1"))
      let ready = try s.wait("warmup", timeout: 15) { $0.status.isReady }
      #expect(ready.status.container("main")?.ready == true && ready.status.container("main")?.restartCount == 0)
      #expect(try s.garrison(["get", "pods"]).output.contains("1/1"))
      let describe = try s.garrison(["describe", "pod", "warmup"]).output
      #expect(
        describe.contains("Readiness:") && describe.contains("exec [test -f /tmp/ready]") && describe.contains("Readiness probe failed"),
        "\(describe)")
    }
  }

  @Test func failingLivenessProbeRestartsTheContainer() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: sick}
        spec:
          containers:
          - name: main
            command: ["/bin/sh", "-c", "touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 1000"]
            livenessProbe:
              exec: {command: ["test", "-f", "/tmp/alive"]}
              periodSeconds: 1
              failureThreshold: 2
              terminationGracePeriodSeconds: 1
        """)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("sick", timeout: 30) { $0.status.container("main")?.restartCount ?? 0 >= 1 }
      let main = try #require(v.status.container("main"))
      #expect(main.restartCount >= 1)
      #expect(main.lastState?.kind == .terminated && main.lastState?.exitCode == 137, "\(String(describing: main.lastState))")
      #expect(v.status.events.contains { $0.reason == "Unhealthy" && $0.message.contains("Liveness probe failed") })
      #expect(
        v.status.events.contains { $0.reason == "Killing" && $0.message == "Container main failed liveness probe, will be restarted" })
      let describe = try s.garrison(["describe", "pod", "sick"]).output
      #expect(describe.contains("Killing") && describe.contains("Unhealthy") && describe.contains("Liveness:"), "\(describe)")
      #expect(try s.auditRecords().contains("probe.killed default/sick/main"))
      let json = try s.garrison(["get", "pod", "sick", "-o", "json"]).output
      #expect(json.contains("\"restartCount\" : ") && !json.contains("\"restartCount\" : 0"), "\(json)")
      #expect(json.contains("\"exitCode\" : 137"), "lastState.terminated of the killed run: \(json)")
    }
  }

  /// With garrison-oci, an exec probe runs as `garrison exec` does: the runtime's `exec` with the container's
  /// plan, each run audited by the runtime (`container.exec`).
  @Test(.enabled(if: Host.garrisonOCI != nil, "garrison-oci and garrison-init are not built beside garrison"))
  func execProbeThroughGarrisonOCI() throws {
    let oci = try #require(Host.garrisonOCI)
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: oci}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            command: ["sleep", "1000"]
            securityContext: {runAsUser: 1000}
            readinessProbe: {exec: {command: ["/bin/sh", "-c", "test $(id -u) = 1000"]}, periodSeconds: 1}
        """, runtime: oci)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("oci", timeout: 15) { $0.status.isReady }
      #expect(v.status.container("main")?.ready == true, "the probe ran as the container's user: \(v.status.events)")
      #expect(try s.auditRecords().contains("container.exec default/oci/main"))
    }
  }

  /// A sidecar's startup probe holds the app container back until it passes.
  @Test func sidecarStartupProbeGatesTheAppContainer() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: gated}
        spec:
          terminationGracePeriodSeconds: 1
          initContainers:
          - name: side
            restartPolicy: Always
            command: ["/bin/sh", "-c", "sleep 2; touch /tmp/up; exec sleep 1000"]
            startupProbe: {exec: {command: ["test", "-f", "/tmp/up"]}, periodSeconds: 1, failureThreshold: 10}
          containers:
          - {name: main, command: ["sleep", "1000"]}
        """)
      #expect(r.succeeded, "\(r.output)")
      let waiting = try s.wait("gated") { $0.status.container("side")?.state.kind == .running }
      #expect(waiting.status.container("side")?.started == false && waiting.status.container("main")?.state.kind == .waiting)
      let v = try s.wait("gated", timeout: 15) { $0.status.isReady }
      let sideStart = try #require(v.status.events.last { $0.reason == "Started" && $0.message.hasPrefix("container side") }?.time)
      let mainStart = try #require(v.status.events.last { $0.reason == "Started" && $0.message.hasPrefix("container main") }?.time)
      #expect(mainStart.timeIntervalSince(sideStart) >= 1.5, "main started \(mainStart.timeIntervalSince(sideStart))s after the sidecar")
      #expect(v.status.container("side")?.started == true && v.status.container("side")?.restartCount == 0)
    }
  }

  static let httpd = ["/bin/sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]

  @Test func httpGetProbeInANetworkNonePod() throws {
    try withScratch { s in
      for (name, path) in [("web", "/index.html"), ("web404", "/missing")] {
        let r = try s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: \(name)}
          spec:
            terminationGracePeriodSeconds: 1
            containers:
            - name: main
              command: \(Self.httpd)
              ports: [{name: http, containerPort: 8080}]
              readinessProbe: {httpGet: {path: \(path), port: http}, periodSeconds: 1}
          """)  // --network none (the Scratch default): only the pod's loopback exists
        #expect(r.succeeded, "\(r.output)")
      }
      let ok = try s.wait("web", timeout: 15) { $0.status.isReady }
      #expect(ok.status.container("main")?.ready == true && ok.status.podIP == nil)
      // The first failures may be "connection refused" (httpd not listening yet): wait for the 404 itself.
      let bad = try s.wait("web404", timeout: 15) {
        $0.status.events.contains { $0.message.contains("Readiness probe failed: HTTP probe failed with statuscode: 404") }
      }
      #expect(!bad.status.isReady)
      #expect(bad.status.events.contains { $0.message.contains("HTTP probe failed with statuscode: 404") }, "\(bad.status.events)")
    }
  }

  @Test func tcpSocketProbe() throws {
    try withScratch { s in
      for (name, port) in [("open", 8080), ("closed", 9)] {
        let r = try s.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: \(name)}
          spec:
            terminationGracePeriodSeconds: 1
            containers:
            - name: main
              command: \(Self.httpd)
              readinessProbe: {tcpSocket: {port: \(port)}, periodSeconds: 1}
          """)
        #expect(r.succeeded, "\(r.output)")
      }
      let open = try s.wait("open", timeout: 15) { $0.status.isReady }
      #expect(open.status.container("main")?.ready == true)
      let closed = try s.wait("closed", timeout: 15) { $0.status.events.contains { $0.reason == "Unhealthy" } }
      #expect(!closed.status.isReady)
      #expect(
        closed.status.events.contains { $0.message.contains("dial tcp 127.0.0.1:9: connect: connection refused") },
        "\(closed.status.events)")
    }
  }
}
