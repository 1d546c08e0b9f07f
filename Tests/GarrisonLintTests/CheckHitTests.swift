import GarrisonCore
import GarrisonManifest
import GarrisonPlan
import Testing

@testable import GarrisonLint

/// The checks make their field paths, sets and messages only when they hit: what they make on a hit is what the
/// eager versions made (the expected texts below are theirs), and a pod that passes gets nothing.
@Suite struct CheckHitTests {
  static let hardened = """
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 20000, runAsGroup: 20000, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: r/app:1@sha256:00
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true}
        resources: {limits: {cpu: 1, memory: 1Gi}}
    """

  static func hits(_ id: String, _ yaml: String) throws -> [HardeningHit] {
    let check = try #require(HardeningRegistry.checks.first { $0.id == id })
    return check.evaluate(try Support.pod(yaml))
  }

  static func violations(_ check: PSSCheck, _ yaml: String) throws -> [PSSViolation] {
    let v = try #require(check.version(at: PSSRegistry.newestMinor))
    return v.evaluate(try Support.pod(yaml))
  }

  static let app = FieldPath([.field("spec"), .field("containers"), .index(0)])

  @Test(
    arguments: [
      ("{cpu: 1, memory: 1Gi}", nil),
      ("{cpu: 1}", "memory"),
      ("{memory: 1Gi}", "cpu"),
      ("{}", "cpu or memory"),
    ] as [(String, String?)])
  func resourceLimits(_ limits: String, _ missing: String?) throws {
    let yaml = Self.hardened.replacingOccurrences(of: "limits: {cpu: 1, memory: 1Gi}", with: "limits: \(limits)")
    let h = try Self.hits("hardening.resourceLimits", yaml)
    guard let missing else { return #expect(h.isEmpty) }
    #expect(
      h == [
        HardeningHit(
          message: "container \"app\" has no \(missing) limit", container: "app", image: "r/app:1@sha256:00",
          field: Self.app / "resources" / "limits")
      ])
  }

  @Test func runAsHighUID() throws {
    #expect(try Self.hits("hardening.runAsHighUID", Self.hardened).isEmpty)
    // Own low UID on the container, GID inherited from the pod (high): one hit at the container's field.
    let own = Self.hardened.replacingOccurrences(of: "readOnlyRootFilesystem: true}", with: "readOnlyRootFilesystem: true, runAsUser: 5}")
    #expect(
      try Self.hits("hardening.runAsHighUID", own) == [
        HardeningHit(
          message: "container \"app\" runs with UID 5, below 10000", container: "app", image: "r/app:1@sha256:00",
          field: Self.app / "securityContext" / "runAsUser")
      ])
    // Inherited low GID: at the pod's field. Nothing set for the UID: at the container's.
    let pod = Self.hardened.replacingOccurrences(of: "runAsUser: 20000, runAsGroup: 20000", with: "runAsGroup: 7")
    #expect(
      try Self.hits("hardening.runAsHighUID", pod) == [
        HardeningHit(
          message: "container \"app\" sets no runAsUser (the image decides, often root)", container: "app",
          image: "r/app:1@sha256:00", field: Self.app / "securityContext" / "runAsUser"),
        HardeningHit(
          message: "container \"app\" runs with GID 7, below 10000", container: "app", image: "r/app:1@sha256:00",
          field: FieldPath([.field("spec"), .field("securityContext"), .field("runAsGroup")])),
      ])
  }

  @Test func capabilitiesRestricted() throws {
    #expect(try Self.violations(CapabilitiesRestrictedCheck.check, Self.hardened).isEmpty)
    let yaml = Self.hardened.replacingOccurrences(
      of: "capabilities: {drop: [ALL]}", with: "capabilities: {add: [SYS_TIME, NET_BIND_SERVICE, CHOWN, SYS_TIME]}")
    let v = try Self.violations(CapabilitiesRestrictedCheck.check, yaml)
    #expect(
      v.map(\.message) == [
        "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"])",
        "unrestricted capabilities (container \"app\" must not include \"CHOWN\", \"SYS_TIME\" in securityContext.capabilities.add)",
      ])
    #expect(
      v.map(\.field) == [
        Self.app / "securityContext" / "capabilities" / "drop", Self.app / "securityContext" / "capabilities" / "add",
      ])
    // Only NET_BIND_SERVICE added: allowed.
    let bind = Self.hardened.replacingOccurrences(
      of: "capabilities: {drop: [ALL]}", with: "capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}")
    #expect(try Self.violations(CapabilitiesRestrictedCheck.check, bind).isEmpty)
    // Baseline: only what is outside the default set, sorted, each once.
    let b = try Self.violations(CapabilitiesBaselineCheck.check, yaml)
    #expect(
      b.map(\.message) == [
        "non-default capabilities (container \"app\" must not include \"SYS_TIME\" in securityContext.capabilities.add)"
      ])
  }

  @Test func runAsNonRoot() throws {
    let yaml = Self.hardened.replacingOccurrences(of: "runAsNonRoot: true, ", with: "")
      .replacingOccurrences(
        of: "- name: app", with: "- name: side\n    image: s\n    securityContext: {runAsNonRoot: false}\n  - name: app")
    let v = try Self.violations(RunAsNonRootCheck.check, yaml)
    #expect(
      v.map(\.message) == [
        "runAsNonRoot != true (container \"side\" must not set securityContext.runAsNonRoot=false)",
        "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)",
      ])
    #expect(
      v.map(\.field) == [
        FieldPath([.field("spec"), .field("containers"), .index(0), .field("securityContext"), .field("runAsNonRoot")]),
        FieldPath([.field("spec"), .field("containers"), .index(1), .field("securityContext"), .field("runAsNonRoot")]),
      ])
  }

  @Test func volumesAndHostNamespaces() throws {
    #expect(try Self.violations(RestrictedVolumesCheck.check, Self.hardened).isEmpty)
    let yaml = Self.hardened + "\n  volumes: [{name: e, emptyDir: {}}, {name: h, hostPath: {path: /x}}]\n  hostPID: true"
    let v = try Self.violations(RestrictedVolumesCheck.check, yaml)
    #expect(v.map(\.message) == ["restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")"])
    #expect(v.map(\.field) == [FieldPath([.field("spec"), .field("volumes"), .index(1), .field("hostPath")])])
    #expect(try Self.violations(HostNamespacesCheck.check, Self.hardened).isEmpty)
    #expect(try Self.violations(HostNamespacesCheck.check, yaml).map(\.message) == ["host namespaces (hostPID=true)"])
  }

  /// The checks' container list is `allContainers` under the pod spec's path: same roles, containers and paths.
  @Test func podContainersAreAllContainers() throws {
    let pod = try Support.pod(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: d}
      spec:
        selector: {matchLabels: {a: b}}
        template:
          metadata: {labels: {a: b}}
          spec:
            initContainers: [{name: i, image: x}, {name: s, image: x, restartPolicy: Always}]
            containers: [{name: a, image: x}, {name: b, image: y}]
            ephemeralContainers: [{name: e, image: x}]
      """)
    let expected = pod.spec.allContainers(under: pod.specPath)
    #expect(pod.containers.map(\.role) == expected.map(\.role))
    #expect(pod.containers.map(\.role) == [.initContainer, .sidecar, .app, .app, .ephemeral])
    #expect(pod.containers.map(\.container) == expected.map(\.container))
    #expect(pod.containers.map(\.path) == expected.map(\.path))
    #expect(pod.containers[3].path.description == "spec.template.spec.containers[1]")
  }

  /// The public initializer keeps every field it is given (it delegates to the memberwise one).
  @Test func findingInitializerKeepsEveryField() {
    let policy = AppliedPolicy(level: .baseline, version: .latest, source: "default")
    let f = Finding(
      checkID: "pss.privileged", severity: .warning, object: ObjectRef(kind: "Pod", namespace: "n", name: "p"),
      container: "c", image: "i", field: FieldPath("spec.containers[0]"), location: SourceLocation(file: "f", line: 2, column: 3),
      message: "m", remediation: "r", policy: policy)
    #expect(f.checkID == "pss.privileged")
    #expect(f.severity == .warning)
    #expect(f.object == ObjectRef(kind: "Pod", namespace: "n", name: "p"))
    #expect(f.container == "c" && f.image == "i" && f.message == "m" && f.remediation == "r")
    #expect(f.field == FieldPath("spec.containers[0]"))
    #expect(f.location == SourceLocation(file: "f", line: 2, column: 3))
    #expect(f.policy == policy)
    let bare = Finding(checkID: "x", severity: .info, message: "y")
    #expect(bare.object == nil && bare.container == nil && bare.image == nil && bare.field == nil)
    #expect(bare.location == nil && bare.remediation == nil && bare.policy == nil)
  }
}
