import Foundation
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// The probe decision unit: results + clock → started, ready, kill (no I/O, no root).
struct ProbeSchedulerTests {
  static let t0 = Date(timeIntervalSince1970: 1_000_000)
  static func probe(delay: Double = 0, period: Double = 10, success: Int = 1, failure: Int = 3, grace: Double? = nil) -> ProbeRecord {
    ProbeRecord(
      action: .exec(command: ["true"]), initialDelaySeconds: delay, periodSeconds: period, successThreshold: success,
      failureThreshold: failure, terminationGracePeriodSeconds: grace)
  }

  @Test func withoutReadinessProbeAStartedContainerIsReady() {
    let s = ProbeScheduler(probes: ContainerProbes(liveness: Self.probe()), startedAt: Self.t0)
    #expect(s.started && s.ready)
  }

  @Test func readinessTable() {
    // (results, ready after each) with successThreshold 2, failureThreshold 2.
    var s = ProbeScheduler(probes: ContainerProbes(readiness: Self.probe(success: 2, failure: 2)), startedAt: Self.t0)
    #expect(s.started && !s.ready)
    let table: [(Bool, Bool, [ProbeScheduler.Decision])] = [
      (false, false, [.unhealthy(.readiness, failures: 1, message: "m")]),
      (true, false, []),
      (true, true, [.ready(true)]),
      (false, true, [.unhealthy(.readiness, failures: 1, message: "m")]),
      (true, true, []),
      (false, true, [.unhealthy(.readiness, failures: 1, message: "m")]),
      (false, false, [.unhealthy(.readiness, failures: 2, message: "m"), .ready(false)]),
      (false, false, [.unhealthy(.readiness, failures: 3, message: "m")]),
    ]
    var now = Self.t0
    for (i, (ok, ready, decisions)) in table.enumerated() {
      #expect(s.due(now: now) == [.readiness], "step \(i)")
      #expect(s.record(.readiness, success: ok, message: "m") == decisions, "step \(i)")
      #expect(s.ready == ready, "step \(i)")
      now = now.addingTimeInterval(10)
    }
  }

  @Test func livenessKillsAtTheFailureThreshold() {
    var s = ProbeScheduler(probes: ContainerProbes(liveness: Self.probe(delay: 5, period: 2, failure: 3, grace: 4)), startedAt: Self.t0)
    #expect(s.due(now: Self.t0.addingTimeInterval(4.9)).isEmpty, "initial delay")
    #expect(s.nextWakeup() == Self.t0.addingTimeInterval(5))
    #expect(s.due(now: Self.t0.addingTimeInterval(5)) == [.liveness])
    #expect(s.due(now: Self.t0.addingTimeInterval(9)).isEmpty, "one run at a time")
    #expect(s.record(.liveness, success: false, message: "down") == [.unhealthy(.liveness, failures: 1, message: "down")])
    #expect(s.nextWakeup() == Self.t0.addingTimeInterval(7), "period after the previous run began")
    _ = s.due(now: Self.t0.addingTimeInterval(7))
    #expect(s.record(.liveness, success: true, message: "") == [], "a success resets the count")
    _ = s.due(now: Self.t0.addingTimeInterval(9))
    _ = s.record(.liveness, success: false, message: "down")
    _ = s.due(now: Self.t0.addingTimeInterval(11))
    _ = s.record(.liveness, success: false, message: "down")
    _ = s.due(now: Self.t0.addingTimeInterval(13))
    #expect(
      s.record(.liveness, success: false, message: "down") == [
        .unhealthy(.liveness, failures: 3, message: "down"), .ready(false), .kill(.liveness, message: "down", grace: 4),
      ])
    #expect(s.killed && !s.ready)
    #expect(s.due(now: Self.t0.addingTimeInterval(100)).isEmpty && s.nextWakeup() == nil, "nothing runs after a kill")
  }

  @Test func startupProbeGatesLivenessAndReadiness() {
    let probes = ContainerProbes(liveness: Self.probe(), readiness: Self.probe(), startup: Self.probe(period: 1, failure: 2))
    var s = ProbeScheduler(probes: probes, startedAt: Self.t0)
    #expect(!s.started && !s.ready)
    #expect(s.due(now: Self.t0) == [.startup], "only the startup probe runs before the container has started")
    #expect(s.record(.startup, success: false, message: "no") == [.unhealthy(.startup, failures: 1, message: "no")])
    #expect(s.due(now: Self.t0.addingTimeInterval(1)) == [.startup])
    #expect(s.record(.startup, success: true, message: "") == [.started])
    #expect(s.started && !s.ready)
    #expect(s.due(now: Self.t0.addingTimeInterval(1)) == [.liveness, .readiness])
    #expect(s.record(.readiness, success: true, message: "") == [.ready(true)])
    #expect(s.record(.startup, success: false, message: "late") == [], "a startup result after start is ignored")
  }

  @Test func startupProbeFailureKills() {
    var s = ProbeScheduler(probes: ContainerProbes(startup: Self.probe(period: 1, failure: 2)), startedAt: Self.t0)
    _ = s.due(now: Self.t0)
    _ = s.record(.startup, success: false, message: "no")
    _ = s.due(now: Self.t0.addingTimeInterval(1))
    #expect(
      s.record(.startup, success: false, message: "no") == [
        .unhealthy(.startup, failures: 2, message: "no"), .kill(.startup, message: "no", grace: nil),
      ])
    #expect(!s.started && s.killed)
  }

  @Test func unresolvedNamedPortFailsEveryRun() {
    let r = ProbeRunner(
      runtime: RuntimeConfig(path: "/bin/false", root: "/r"), runtimeID: "x", networkNamespace: nil, podIP: nil,
      outputFile: "/dev/null", wait: { _, _ in nil })
    let o = r.run(ProbeRecord(action: nil, unresolved: "port \"web\" is not a named port of container a"))
    #expect(!o.success && o.message.contains("web"))
  }

  @Test func httpRequestAndStatusLine() {
    let req = String(
      decoding: ProbeRunner.request(
        host: "10.0.0.2", port: 8080, path: "/healthz?x=1 y",
        headers: [.init(name: "X-Probe", value: "1")]), as: UTF8.self)
    #expect(
      req
        == "GET /healthz?x=1%20y HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nX-Probe: 1\r\nConnection: close\r\n\r\n"
    )
    #expect(ProbeRunner.statusCode(Array("HTTP/1.0 200 OK\r\n\r\n".utf8)) == 200)
    #expect(ProbeRunner.statusCode(Array("HTTP/1.1 503 Service Unavailable\r\n".utf8)) == 503)
    #expect(ProbeRunner.statusCode(Array("garbage".utf8)) == nil)
  }
}
