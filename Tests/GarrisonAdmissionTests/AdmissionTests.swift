import Foundation
import GarrisonAdmission
import GarrisonAudit
import GarrisonLint
import GarrisonTestSupport
import Testing

/// AdmissionReview bodies as the API server sends them.
enum Reviews {
  static func review(
    kind: String, namespace: String = "apps", name: String, object: String?, operation: String = "CREATE",
    user: String = "alice", subResource: String? = nil, apiVersion: String = "admission.k8s.io/v1"
  ) -> String {
    """
    {"apiVersion":"\(apiVersion)","kind":"AdmissionReview","request":{"uid":"uid-\(name)","kind":{"group":"","version":"v1","kind":"\(kind)"},
     "resource":{"group":"","version":"v1","resource":"\(kind.lowercased())s"},\(subResource.map { "\"subResource\":\"\($0)\"," } ?? "")
     "namespace":"\(namespace)","name":"\(name)","operation":"\(operation)","userInfo":{"username":"\(user)"},
     "object":\(object ?? "null")}}
    """
  }
  static let privilegedPod =
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","namespace":"apps"},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}"#
  static let plainPod =
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ok","namespace":"apps"},"spec":{"containers":[{"name":"c","image":"x"}]}}"#
  static let restrictedPod =
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"tight","namespace":"apps"},"spec":{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"c","image":"x","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}"#
  static let privilegedDeployment =
    #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"apps"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}}}"#
  static func namespace(_ name: String, _ labels: [String: String]) -> String {
    let l = labels.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
    return #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(name)","labels":{\#(l)}}}"#
  }
}

@Suite struct AdmissionControllerTests {
  let baseline = PSSPolicy(level: .baseline, version: .latest)
  let restricted = PSSPolicy(level: .restricted, version: .latest)

  func decide(_ c: AdmissionController, _ body: String) throws -> AdmissionDecision {
    c.decide(try AdmissionRequest(body: Array(body.utf8)))
  }

  @Test func enforceDeniesPodsAndNamesTheCheck() throws {
    let c = AdmissionController(defaults: .init(enforce: baseline, warn: restricted, audit: restricted))
    let bad = try decide(c, Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod))
    #expect(!bad.allowed)
    #expect(
      bad.message?.hasPrefix("pods \"bad\" is forbidden: violates PodSecurity \"baseline:latest\": privileged") == true,
      "\(bad.message ?? "")")
    #expect(bad.message?.contains("securityContext.privileged=true") == true)
    #expect(bad.violations.contains("pss.privileged"))
    let ok = try decide(c, Reviews.review(kind: "Pod", name: "ok", object: Reviews.plainPod))
    #expect(ok.allowed)
    #expect(ok.warnings.first?.hasPrefix("would violate PodSecurity \"restricted:latest\":") == true)
    #expect(ok.auditAnnotations["audit-violations"]?.contains("runAsNonRoot") == true)
    #expect(ok.auditAnnotations["enforce-policy"] == "baseline:latest")
    let tight = try decide(c, Reviews.review(kind: "Pod", name: "tight", object: Reviews.restrictedPod))
    #expect(tight.allowed && tight.warnings.isEmpty && tight.auditAnnotations["audit-violations"] == nil)
  }

  @Test func workloadsAreWarnedNotDenied() throws {
    let c = AdmissionController(defaults: .init(enforce: baseline, warn: baseline, audit: baseline))
    let d = try decide(c, Reviews.review(kind: "Deployment", name: "web", object: Reviews.privilegedDeployment))
    #expect(d.allowed)
    #expect(d.warnings.count == 1)
    #expect(d.warnings.first?.contains("would violate PodSecurity \"baseline:latest\": privileged") == true, "\(d.warnings)")
  }

  @Test func namespaceLabelsAndExemptionsApply() throws {
    let c = AdmissionController(
      defaults: .init(
        enforce: PSSPolicy(level: .privileged, version: .latest), warn: PSSPolicy(level: .privileged, version: .latest),
        audit: PSSPolicy(level: .privileged, version: .latest)),
      exemptions: .init(usernames: ["system:serviceaccount:kube-system:ci"], namespaces: ["kube-system"]))
    #expect(try decide(c, Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod)).allowed)
    let ns = try decide(
      c,
      Reviews.review(
        kind: "Namespace", namespace: "", name: "apps",
        object: Reviews.namespace("apps", ["pod-security.kubernetes.io/enforce": "baseline"])))
    #expect(ns.allowed)
    #expect(!(try decide(c, Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod)).allowed))
    #expect(
      try decide(c, Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod, user: "system:serviceaccount:kube-system:ci"))
        .allowed)
    #expect(try decide(c, Reviews.review(kind: "Pod", namespace: "kube-system", name: "bad", object: Reviews.privilegedPod)).allowed)
    let invalid = try decide(
      c,
      Reviews.review(
        kind: "Namespace", namespace: "", name: "x",
        object: Reviews.namespace("x", ["pod-security.kubernetes.io/enforce": "strict"])))
    #expect(!invalid.allowed)
    // Other operations and subresources are not checked; ephemeral containers are.
    #expect(try decide(c, Reviews.review(kind: "Pod", name: "bad", object: nil, operation: "DELETE")).allowed)
    #expect(try decide(c, Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod, subResource: "status")).allowed)
    #expect(
      !(try decide(
        c, Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod, operation: "UPDATE", subResource: "ephemeralcontainers")
      ).allowed))
  }

  @Test(arguments: [
    "not json", "[]", #"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"u"}}"#,
    #"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}"#,
  ])
  func malformedReviewsAreErrors(body: String) {
    #expect(throws: (any Error).self) { try AdmissionRequest(body: Array(body.utf8)) }
  }
}

/// The server over real TLS, driven with curl: allowed and denied pods, a workload, malformed JSON, a 10 MB body,
/// a wrong API version, /healthz, certificate reload, and the audit events.
@Suite(
  .serialized,
  .enabled(
    if: ["/usr/bin/openssl", "/usr/bin/curl"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) },
    "needs /usr/bin/openssl and /usr/bin/curl"))
struct AdmissionServerTests {
  static let garrison = BuiltProducts.path("garrison")

  func certificate(_ dir: String, cn: String) throws {
    let openssl = try TestProcess.run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "1", "-subj", "/CN=\(cn)",
        "-addext", "subjectAltName=IP:127.0.0.1",
      ])
    #expect(openssl.status == 0, "\(openssl.output)")
  }

  @Test(HostTools.built("garrison"))
  func servesReviewsOverTLS() throws {
    let dir = "/var/tmp/garrison-admission-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try certificate(dir, cn: "first")
    let server = Process()
    server.executableURL = URL(fileURLWithPath: Self.garrison)
    server.arguments = [
      "admission", "serve", "--listen", "127.0.0.1:0", "--cert", dir + "/cert.pem", "--key", dir + "/key.pem",
      "--enforce", "baseline", "--warn", "restricted", "--root", dir + "/state",
    ]
    let out = Pipe()
    server.standardOutput = out
    server.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try server.run()
    defer { server.terminate(); server.waitUntilExit() }
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    let port = try #require(line.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, "\(line)")
    let url = "https://127.0.0.1:\(port)"
    /// The response body and status code of a POST of `body` (curl's `-w` appends the code).
    func post(_ body: String, file: String = "body.json") throws -> String {
      try body.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
      return try TestProcess.run(
        "/usr/bin/curl",
        [
          "-sS", "--cacert", dir + "/cert.pem", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
          "--data-binary", "@" + dir + "/" + file, url + "/validate",
        ]
      ).output
    }
    let health = try TestProcess.run("/usr/bin/curl", ["-sS", "--cacert", dir + "/cert.pem", url + "/healthz"]).output
    #expect(health == "ok\n")
    let allowed = try post(Reviews.review(kind: "Pod", name: "tight", object: Reviews.restrictedPod))
    #expect(allowed.contains(#""allowed":true"#) && allowed.hasSuffix("200"), "\(allowed)")
    let denied = try post(Reviews.review(kind: "Pod", name: "bad", object: Reviews.privilegedPod))
    #expect(denied.contains(#""allowed":false"#) && denied.contains("violates PodSecurity") && denied.contains(#""code":403"#), "\(denied)")
    let workload = try post(Reviews.review(kind: "Deployment", name: "web", object: Reviews.privilegedDeployment))
    #expect(workload.contains(#""allowed":true"#) && workload.contains("would violate PodSecurity"), "\(workload)")
    let malformed = try post("{not json")
    #expect(malformed.hasSuffix("400") && malformed.contains("not JSON"), "\(malformed)")
    let version = try post(Reviews.review(kind: "Pod", name: "ok", object: Reviews.plainPod, apiVersion: "admission.k8s.io/v1beta1"))
    #expect(version.hasSuffix("400") && version.contains("apiVersion"), "\(version)")
    let huge = try post(String(repeating: "x", count: 10 << 20), file: "huge.json")
    #expect(huge.hasSuffix("400") && huge.contains("larger than"), "\(huge)")
    // Still serving after all that, and with a rotated certificate.
    try certificate(dir, cn: "second")
    sleep(2)
    let rotated = try TestProcess.run("/usr/bin/curl", ["-sS", "-v", "--cacert", dir + "/cert.pem", url + "/healthz"])
    #expect(rotated.stderr.contains("CN=second") && rotated.stdout == "ok\n", "\(rotated.output)")
    let records = try AuditReader.readAll(directory: AuditPaths.directory(root: dir + "/state")).filter { $0.kind == .admissionDecision }
    #expect(records.count == 3)
    #expect(records.filter { $0.outcome == .denied }.count == 1)
  }
}
