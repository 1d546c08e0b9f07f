import GarrisonCore
import Testing

@testable import GarrisonLint

/// Each hardening check fires on a bad pod and stays quiet on a good one.
@Suite struct HardeningTests {
  /// A pod that passes every hardening check.
  static let good = Support.podYAML(
    spec: """
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      """,
    container: """
      resources: {limits: {cpu: 500m, memory: 128Mi}}
      livenessProbe: {httpGet: {path: /healthz, port: 8080}}
      readinessProbe: {httpGet: {path: /ready, port: 8080}}
      """,
    containerSC: "readOnlyRootFilesystem: true")

  func hits(_ yaml: String) throws -> [String: [HardeningHit]] {
    let pod = try Support.pod(yaml)
    var out: [String: [HardeningHit]] = [:]
    for c in HardeningRegistry.checks {
      let h = c.evaluate(pod)
      if !h.isEmpty { out[c.id] = h }
    }
    return out
  }

  @Test func goodPodIsClean() throws {
    // podYAML adds its own pod securityContext; the good pod's second one replaces it in YAML? No: keys
    // must be unique, so build the good pod without the helper's block.
    let y = Self.good.replacingOccurrences(
      of: "  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n", with: "", count: 1)
    let found = try hits(y)
    #expect(found.isEmpty, "\(found)")
  }

  static let cases: [(String, String, String)] = [
    ("hardening.readOnlyRootFilesystem", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"),
    ("hardening.imageTag", "", ""),
    ("hardening.addedCapabilities", "capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}", "capabilities: {add: [SYS_TIME], drop: [ALL]}"),
    ("hardening.seccompUnconfined", "seccompProfile: {type: Localhost, localhostProfile: p.json}", "seccompProfile: {type: Unconfined}"),
    ("hardening.appArmorUnconfined", "appArmorProfile: {type: RuntimeDefault}", "appArmorProfile: {type: Unconfined}"),
    ("hardening.runAsHighUID", "runAsUser: 20000\nrunAsGroup: 20000", "runAsUser: 1000\nrunAsGroup: 20000"),
  ]

  @Test(arguments: cases) func containerSecurityContextChecks(_ c: (String, String, String)) throws {
    let (id, pass, fail) = c
    guard !pass.isEmpty else { return }
    #expect(try hits(Support.podYAML(containerSC: pass))[id] == nil)
    let h = try #require(try hits(Support.podYAML(containerSC: fail))[id])
    #expect(h.count == 1)
    #expect(h[0].container == "app")
  }

  /// ASCII references are split by bytes, others by characters: both give the same parts.
  @Test(
    arguments: [
      ("nginx", nil, nil), ("registry:5000/team/app:1.2", "1.2", nil), ("app:1@sha256:ab", "1", "sha256:ab"),
      ("a/b:c/d", nil, nil), ("x@y@z", nil, "y@z"), ("r:1/a:b:c@", "c", ""), ("ré:1/äpp:tàg@sha256:ab", "tàg", "sha256:ab"),
      ("app:é@d", "é", "d"), (":", "", nil), ("@", nil, ""),
    ] as [(String, String?, String?)])
  func imageReferenceParts(image: String, tag: String?, digest: String?) {
    let ref = ImageHardening.Reference(image)
    #expect(ref.tag == tag && ref.digest == digest, "\(image)")
  }

  @Test func images() throws {
    #expect(ImageHardening.Reference("nginx").tag == nil && ImageHardening.Reference("nginx").digest == nil)
    #expect(
      ImageHardening.Reference("registry:5000/team/app:1.2").tag == "1.2"
        && ImageHardening.Reference("registry:5000/team/app:1.2").digest == nil)
    #expect(
      ImageHardening.Reference("registry:5000/team/app").tag == nil && ImageHardening.Reference("registry:5000/team/app").digest == nil)
    #expect(ImageHardening.Reference("app:1@sha256:ab").tag == "1" && ImageHardening.Reference("app:1@sha256:ab").digest == "sha256:ab")
    for (image, tag, digest) in [
      ("nginx", true, true), ("nginx:latest", true, true), ("nginx:1.27", false, true),
      ("registry:5000/nginx", true, true), ("nginx@sha256:0123", false, false), ("nginx:1.27@sha256:0123", false, false),
    ] {
      let h = try hits(Support.podYAML(image: image))
      #expect((h["hardening.imageTag"] != nil) == tag, "\(image) tag")
      #expect((h["hardening.imageDigest"] != nil) == digest, "\(image) digest")
    }
  }

  @Test func podLevel() throws {
    let h = try hits(
      Support.podYAML(
        spec: """
          shareProcessNamespace: true
          volumes:
          - {name: sock, hostPath: {path: /var/run/docker.sock}}
          - {name: etc, hostPath: {path: /etc/./kubernetes/}}
          - {name: root, hostPath: {path: //}}
          - {name: logs, hostPath: {path: /var/log}}
          - {name: ctr, hostPath: {path: /run/containerd/containerd.sock}}
          - {name: procfs, hostPath: {path: /proc}}
          """))
    #expect(h["hardening.shareProcessNamespace"]?.count == 1)
    #expect(h["hardening.automountServiceAccountToken"]?.count == 1)
    let paths = try #require(h["hardening.sensitiveHostPath"]).map(\.field.description)
    #expect(paths == (0...5).filter { $0 != 3 }.map { "spec.volumes[\($0)].hostPath.path" })
    #expect(PodHardening.isSensitive("/etc") && PodHardening.isSensitive("/proc/sys") && !PodHardening.isSensitive("/etcd"))
  }

  @Test func sysctlsAndProbes() throws {
    let s = """
      apiVersion: v1
      kind: Pod
      metadata: {name: s}
      spec:
        securityContext:
          sysctls: [{name: net.ipv4.tcp_rmem, value: "1 2 3"}, {name: kernel.sem, value: "1"}]
        containers: [{name: app, image: x}]
      """
    #expect(try hits(s)["hardening.unsafeSysctls"]?.map(\.message) == ["sysctl kernel.sem is outside the safe set"])
    #expect(try hits(s)["hardening.probes"]?.map(\.message) == [#"container "app" has no livenessProbe or readinessProbe"#])
    let job = """
      apiVersion: batch/v1
      kind: Job
      metadata: {name: j}
      spec:
        template:
          spec:
            restartPolicy: Never
            containers: [{name: app, image: x}]
      """
    #expect(try hits(job)["hardening.probes"] == nil)
  }

  @Test func uidInheritance() throws {
    let y = Support.podYAML(spec: "hostUsers: true").replacingOccurrences(
      of: "    runAsNonRoot: true\n", with: "    runAsNonRoot: true\n    runAsUser: 500\n    runAsGroup: 20000\n", count: 1)
    let h = try #require(try hits(y)["hardening.runAsHighUID"])
    #expect(h.map(\.field.description) == ["spec.securityContext.runAsUser"])
    #expect(h[0].message == #"container "app" runs with UID 500, below 10000"#)
    let userns = Support.podYAML(spec: "hostUsers: false")
    #expect(try hits(userns)["hardening.runAsHighUID"] == nil)
  }
}

extension String {
  /// Replaces the first `count` occurrences of `target`.
  func replacingOccurrences(of target: String, with replacement: String, count: Int) -> String {
    var s = self
    var done = 0
    while done < count, let r = s.range(of: target) {
      s.replaceSubrange(r, with: replacement)
      done += 1
    }
    return s
  }
}
