import GarrisonCore
import Testing
@testable import GarrisonManifest

/// Model decoding: kinds, positions, unknown fields and per-document errors.
struct LoaderTests {
  static let pod = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      namespace: shop
      annotations:
        a: b
    spec:
      securityContext:
        runAsUser: 1000
      containers:
      - name: app
        image: busybox
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop: [ALL]
        resources:
          limits: {cpu: 500m, memory: 128Mi}
    """

  @Test func decodesPodWithPositions() throws {
    let r = ManifestLoader.parse(text: Self.pod, file: "pod.yaml")
    #expect(r.errors.isEmpty)
    #expect(r.warnings.isEmpty)
    let o = try #require(r.objects.first)
    #expect(o.reference == "Pod/shop/web")
    let spec = try #require(o.pod?.spec)
    #expect(spec.securityContext?.runAsUser == 1000)
    #expect(spec.containers[0].securityContext?.capabilities?.drop == ["ALL"])
    #expect(spec.containers[0].resources.limits["memory"]?.value == 134_217_728)
    let loc = o.location(of: FieldPath("spec.containers[0].securityContext.allowPrivilegeEscalation"))
    #expect(loc == SourceLocation(file: "pod.yaml", line: 15, column: 7))
    // Absent field: nearest present ancestor.
    #expect(o.location(of: FieldPath("spec.containers[0].securityContext.privileged")).line == 14)
    #expect(o.location(of: FieldPath("spec.containers[0]")) == SourceLocation(file: "pod.yaml", line: 12, column: 5))
  }

  @Test(arguments: [
    (
      "Deployment", "apps/v1",
      "spec:\n  replicas: 2\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: x}]",
      "spec.template.spec"
    ),
    (
      "CronJob", "batch/v1",
      "spec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: x}]",
      "spec.jobTemplate.spec.template.spec"
    ),
    ("PodTemplate", "v1", "template:\n  spec:\n    containers: [{name: c, image: x}]", "template.spec"),
    (
      "Job", "batch/v1", "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x}]",
      "spec.template.spec"
    ),
  ])
  func workloadKinds(kind: String, apiVersion: String, body: String, specPath: String) throws {
    let text = "apiVersion: \(apiVersion)\nkind: \(kind)\nmetadata: {name: w}\n\(body)\n"
    let r = ManifestLoader.parse(text: text, file: "w.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.warnings.isEmpty, "\(r.warnings)")
    let o = try #require(r.objects.first)
    #expect(o.pod?.specPath.description == specPath)
    #expect(o.pod?.spec.containers.first?.name == "c")
  }

  @Test func multiDocumentKeepsGoingAfterBrokenDocument() throws {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: a}
      spec: {containers: [{name: c, image: x}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: b
      ---
      apiVersion: v1
      kind: List
      items:
      - apiVersion: v1
        kind: Pod
        metadata: {name: c}
        spec: {containers: [{name: c, image: x}]}
      """
    let r = ManifestLoader.parse(text: text, file: "m.yaml")
    #expect(r.objects.map(\.name) == ["a", "c"])
    #expect(r.errors.count == 1)
    let loc = try #require(r.errors.first?.location)
    #expect(loc.file == "m.yaml" && loc.line >= 8 && loc.line <= 9)
    #expect(r.errors.first?.code == .syntax)
  }

  @Test func unknownFieldsWarnWithPosition() throws {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContxt: {}\n"
    let r = ManifestLoader.parse(text: text, file: "u.yaml")
    #expect(r.errors.isEmpty)
    let w = try #require(r.warnings.first)
    #expect(w.fieldPath?.description == "spec.containers[0].securityContxt")
    #expect(w.location == SourceLocation(file: "u.yaml", line: 8, column: 5))
  }

  @Test(arguments: [
    ("runAsUser: \"1000\"", "expected an integer", "spec.containers[0].securityContext.runAsUser"),
    ("runAsUser: -1", "must be between 0 and 2147483647", "spec.containers[0].securityContext.runAsUser"),
    ("privileged: yes-please", "expected a boolean", "spec.containers[0].securityContext.privileged"),
    ("procMount: Weird", "Unsupported value", "spec.containers[0].securityContext.procMount"),
    (
      "allowPrivilegeEscalation: false\n      privileged: true", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
      "spec.containers[0].securityContext.allowPrivilegeEscalation"
    ),
    (
      "allowPrivilegeEscalation: false\n      capabilities: {add: [CAP_SYS_ADMIN]}", "CAP_SYS_ADMIN",
      "spec.containers[0].securityContext.allowPrivilegeEscalation"
    ),
    (
      "seccompProfile: {type: Localhost}", "must be set when type is Localhost",
      "spec.containers[0].securityContext.seccompProfile.localhostProfile"
    ),
  ])
  func invalidValuesNameFieldAndPosition(fragment: String, message: String, field: String) throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      \(fragment)\n"
    let r = ManifestLoader.parse(text: text, file: "bad.yaml")
    let e = try #require(r.errors.first)
    #expect(e.description.contains(message), "\(e)")
    #expect(e.fieldPath?.description == field)
    #expect(e.location?.file == "bad.yaml")
    #expect((e.location?.line ?? 0) >= 9)
    #expect(r.objects.isEmpty)
  }

  @Test func impossibleQuantityIsAnError() throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    image: x\n    resources: {limits: {memory: 1Mib}}\n"
    let e = try #require(ManifestLoader.parse(text: text, file: "q.yaml").errors.first)
    #expect(e.fieldPath?.description == "spec.containers[0].resources.limits[memory]")
    #expect(e.location?.line == 8)
  }

  /// Issue 15: kinds Garrison does not model (custom resources, built-in kinds such as webhook configurations)
  /// are valid input: read, counted as skipped with their position, never an error.
  @Test func unmodelledKindsAreSkippedNotErrors() throws {
    let text = """
      apiVersion: monitoring.coreos.com/v1
      kind: ServiceMonitor
      metadata: {name: web, labels: {team: a}}
      spec: {endpoints: [{port: http}], whatever: {nested: true}}
      ---
      apiVersion: admissionregistration.k8s.io/v1
      kind: ValidatingWebhookConfiguration
      metadata: {name: "system:webhook"}
      webhooks: []
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec: {containers: [{name: c, image: x}]}
      ---
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: certificates.cert-manager.io}
      spec:
        group: cert-manager.io
        names: {kind: Certificate, plural: certificates}
        scope: Namespaced
        versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              x-kubernetes-preserve-unknown-fields: true
              properties:
                spec:
                  type: object
                  properties:
                    duration: {type: string, default: 2160h}
                    replicas: {type: integer, default: 1, minimum: 0}
                    usages: {type: array, items: {type: string, enum: [server auth, client auth]}}
      """
    let r = ManifestLoader.parse(text: text, file: "crd.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.warnings.isEmpty, "\(r.warnings)")
    // A CustomResourceDefinition is a built-in kind read for its metadata (its schema is not Garrison's business).
    #expect(r.objects.map(\.kind) == ["Pod", "CustomResourceDefinition"])
    #expect(r.objects.last?.name == "certificates.cert-manager.io")
    #expect(r.skipped.map(\.kind) == ["ServiceMonitor", "ValidatingWebhookConfiguration"])
    #expect(r.skipped.map(\.name) == ["web", "system:webhook"])
    #expect(r.skipped.map(\.location.line) == [1, 6])
  }

  /// Issue 15: empty documents (a trailing `---`, `---` followed only by comments) are no objects, not errors.
  @Test(arguments: ["---\n", "---\n# only a comment\n", "---\n---\n", "\n---\n   \n"])
  func emptyDocumentsAreFine(extra: String) throws {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n"
    let r = ManifestLoader.parse(text: extra + pod + extra, file: "e.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.objects.count == 1)
  }

  /// Issue 15: CRLF files split at `---\r` like LF ones, with the same line numbers.
  @Test func crlfDocumentsSplit() throws {
    let lf =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: x, resources: {limits: {memory: 1Mib}}}\n"
    let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
    let a = ManifestLoader.parse(text: lf, file: "lf.yaml"), b = ManifestLoader.parse(text: crlf, file: "crlf.yaml")
    #expect(a.documentCount == 2 && b.documentCount == 2)
    #expect(b.objects.map(\.kind) == a.objects.map(\.kind))
    #expect(a.errors.first?.location?.line == 10)
    #expect(b.errors.first?.location?.line == 10)
  }

  @Test func jsonInput() throws {
    let json =
      #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"runAsUser":5}}]}}"#
    let r = ManifestLoader.parse(text: json, file: "p.json")
    #expect(r.errors.isEmpty)
    #expect(r.objects.first?.pod?.spec.containers.first?.securityContext?.runAsUser == 5)
  }

  @Test(
    arguments: [("0400", 256), ("0o644", 420), ("0x1F", 31), ("420", 420), ("-12", -12), ("1_000", 1000), ("0", 0)] as [(String, Int64)])
  func yamlIntegersAsKubernetesReadsThem(text: String, value: Int64) {
    #expect(NodeReader.yamlInteger(text) == value)
  }

  @Test func octalFileModes() throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x}]\n  volumes:\n  - name: v\n    secret: {secretName: s, defaultMode: 0400}\n"
    let r = ManifestLoader.parse(text: text, file: "o.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.objects.first?.pod?.spec.volumes.first?.secret?.defaultMode == 256)
  }

  @Test func duplicateKeysAreErrors() throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: false\n      privileged: true\n"
    let r = ManifestLoader.parse(text: text, file: "d.yaml")
    #expect(r.objects.isEmpty)
    let e = try #require(r.errors.first)
    #expect(e.message == "duplicate field \"privileged\"")
    #expect(e.location == SourceLocation(file: "d.yaml", line: 10, column: 7))
  }

  @Test func hostPortZeroIsUnset() throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: 0}]}]\n"
    let r = ManifestLoader.parse(text: text, file: "h.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.objects.first?.pod?.spec.containers.first?.ports.first?.hostPort == nil)
  }
}
