import GarrisonCore
import Testing
@testable import GarrisonManifest

/// Probes: Kubernetes' defaults and API validation (`validateProbe` and its handlers), with field paths.
struct ProbeValidationTests {
  static func pod(_ container: String, initContainer: String? = nil) -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
    \(initContainer.map { "  initContainers:\n  - " + $0 + "\n" } ?? "")  containers:
      - \(container)
    """
  }

  @Test func defaults() throws {
    let r = ManifestLoader.parse(
      text: Self.pod(
        "{name: a, ports: [{name: http, containerPort: 8080}], livenessProbe: {httpGet: {port: http}}, readinessProbe: {tcpSocket: {port: 80}, timeoutSeconds: 0, periodSeconds: 2, successThreshold: 3}, startupProbe: {exec: {command: [cat, /ok]}, failureThreshold: 30, terminationGracePeriodSeconds: 5}}"
      ), file: "p.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    let c = try #require(r.objects.first?.pod?.spec.containers.first)
    let live = try #require(c.livenessProbe)
    #expect(live.handler == .httpGet(path: "/", port: .name("http"), host: nil, scheme: "HTTP", headers: []))
    #expect(
      (live.initialDelaySeconds, live.timeoutSeconds, live.periodSeconds, live.successThreshold, live.failureThreshold) == (0, 1, 10, 1, 3))
    let ready = try #require(c.readinessProbe)
    #expect(
      ready.handler == .tcpSocket(port: .number(80), host: nil) && ready.timeoutSeconds == 1 && ready.periodSeconds == 2
        && ready.successThreshold == 3)
    let start = try #require(c.startupProbe)
    #expect(start.handler == .exec(command: ["cat", "/ok"]) && start.failureThreshold == 30 && start.terminationGracePeriodSeconds == 5)
    #expect(c.hasLivenessProbe && c.hasReadinessProbe && c.hasStartupProbe)
  }

  static let invalid: [(String, String?, String, String)] = [
    ("{name: a, livenessProbe: {periodSeconds: 5}}", nil, "spec.containers[0].livenessProbe", "must specify a handler type"),
    (
      "{name: a, livenessProbe: {exec: {command: [x]}, tcpSocket: {port: 1}}}", nil, "spec.containers[0].livenessProbe",
      "may not specify more than 1 handler type"
    ),
    ("{name: a, livenessProbe: {exec: {command: []}}}", nil, "spec.containers[0].livenessProbe.exec.command", "Required value"),
    (
      "{name: a, readinessProbe: {exec: {command: [x]}, periodSeconds: -1}}", nil, "spec.containers[0].readinessProbe.periodSeconds",
      "must be greater than or equal to 0"
    ),
    (
      "{name: a, livenessProbe: {exec: {command: [x]}, successThreshold: 2}}", nil, "spec.containers[0].livenessProbe.successThreshold",
      "must be 1"
    ),
    (
      "{name: a, startupProbe: {exec: {command: [x]}, successThreshold: 3}}", nil, "spec.containers[0].startupProbe.successThreshold",
      "must be 1"
    ),
    (
      "{name: a, readinessProbe: {exec: {command: [x]}, terminationGracePeriodSeconds: 3}}", nil,
      "spec.containers[0].readinessProbe.terminationGracePeriodSeconds", "must not be set for readinessProbes"
    ),
    (
      "{name: a, livenessProbe: {exec: {command: [x]}, terminationGracePeriodSeconds: 0}}", nil,
      "spec.containers[0].livenessProbe.terminationGracePeriodSeconds", "must be greater than 0"
    ),
    (
      "{name: a, livenessProbe: {tcpSocket: {port: 70000}}}", nil, "spec.containers[0].livenessProbe.tcpSocket.port",
      "must be between 1 and 65535"
    ),
    ("{name: a, livenessProbe: {tcpSocket: {}}}", nil, "spec.containers[0].livenessProbe.tcpSocket.port", "Required value"),
    ("{name: a, livenessProbe: {httpGet: {port: Web_Port}}}", nil, "spec.containers[0].livenessProbe.httpGet.port", "alpha-numeric"),
    (
      "{name: a, livenessProbe: {httpGet: {port: 80, scheme: FTP}}}", nil, "spec.containers[0].livenessProbe.httpGet.scheme",
      "Unsupported value"
    ),
    (
      "{name: a, livenessProbe: {httpGet: {port: 80, httpHeaders: [{name: 'Bad Header', value: v}]}}}", nil,
      "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name", "valid HTTP header"
    ),
    ("{name: a, livenessProbe: {grpc: {port: 0}}}", nil, "spec.containers[0].livenessProbe.grpc.port", "must be between 1 and 65535"),
    (
      "{name: a}", "{name: i, readinessProbe: {exec: {command: [x]}}}", "spec.initContainers[0].readinessProbe",
      "may not be set for init containers without restartPolicy=Always"
    ),
  ]

  @Test(arguments: invalid)
  func refused(_ container: String, _ initContainer: String?, _ field: String, _ message: String) throws {
    let r = ManifestLoader.parse(text: Self.pod(container, initContainer: initContainer), file: "p.yaml")
    #expect(r.objects.isEmpty)
    let e = try #require(r.errors.first { $0.fieldPath?.description == field }, "no error at \(field): \(r.errors)")
    #expect(e.message.contains(message), "\(e.message)")
    #expect((e.location?.line ?? 0) > 0)
  }

  @Test func sidecarsMayHaveProbesAndHostsAreKeptForPolicy() throws {
    let r = ManifestLoader.parse(
      text: Self.pod(
        "{name: a, livenessProbe: {httpGet: {port: 80, host: 10.0.0.1}}}",
        initContainer: "{name: s, restartPolicy: Always, readinessProbe: {exec: {command: [x]}}}"), file: "p.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    let c = try #require(r.objects.first?.pod?.spec.containers.first)
    #expect(c.probeHosts == [ProbeHost(host: "10.0.0.1", field: FieldPath("livenessProbe.httpGet.host"))])
  }
}
