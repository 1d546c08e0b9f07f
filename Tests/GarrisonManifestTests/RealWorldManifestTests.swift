import GarrisonCore
import Testing
@testable import GarrisonManifest

/// Issue 15: valid Kubernetes input the loader used to refuse, and objects with API-validation errors that are
/// still modelled (`LoadResult.partial`) so lint can check the rest of them.
struct RealWorldManifestTests {
  static let cassandra = """
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: cassandra}
    spec:
      serviceName: cassandra
      selector: {matchLabels: {app: cassandra}}
      template:
        metadata: {labels: {app: cassandra}}
        spec:
          containers:
          - name: cassandra
            image: gcr.io/google-samples/cassandra:v13
            securityContext:
              capabilities: {add: [IPC_LOCK]}
            volumeMounts:
            - {name: cassandra-data, mountPath: /cassandra_data}
      volumeClaimTemplates:
      - metadata: {name: cassandra-data}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
    """

  @Test func statefulSetMountsOfVolumeClaimTemplatesResolve() throws {
    let r = ManifestLoader.parse(text: Self.cassandra, file: "cassandra.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    #expect(r.warnings.isEmpty, "\(r.warnings)")
    let o = try #require(r.objects.first)
    #expect(o.pod?.spec.containers.first?.volumeMounts.first?.name == "cassandra-data")
    // Another kind's template may not name a claim template of nothing.
    let deployment = Self.cassandra.replacingOccurrences(of: "kind: StatefulSet", with: "kind: Deployment")
      .replacingOccurrences(of: "  volumeClaimTemplates:", with: "  volumeClaimTemplatesX:")
    let d = ManifestLoader.parse(text: deployment, file: "d.yaml")
    #expect(d.errors.contains { $0.message == "Not found: \"cassandra-data\"" }, "\(d.errors)")
  }

  @Test func volumeWithoutSourceIsAnEmptyDir() throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: scratch}]\n  containers: [{name: c, image: x, volumeMounts: [{name: scratch, mountPath: /s}]}]\n"
    let r = ManifestLoader.parse(text: text, file: "v.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    let v = try #require(r.objects.first?.pod?.spec.volumes.first)
    #expect(v.sourceType == "emptyDir")
    #expect(v.emptyDir != nil)
  }

  /// The API server compares the added capability with the literal `CAP_SYS_ADMIN` only.
  @Test(arguments: [("SYS_ADMIN", true), ("sys_admin", true), ("CAP_SYS_ADMIN", false)])
  func noEscalationWithSysAdmin(capability: String, valid: Bool) throws {
    let text =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities: {add: [\(capability)]}\n"
    let r = ManifestLoader.parse(text: text, file: "c.yaml")
    #expect(r.errors.isEmpty == valid, "\(r.errors)")
    #expect(r.objects.count == (valid ? 1 : 0))
  }

  @Test func configMapNullValuesAndNumberKeys() throws {
    let text =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  empty:\n  1: one\n  0x10: sixteen\n  true: yes-text\n  \"quoted\": q\n"
    let r = ManifestLoader.parse(text: text, file: "cm.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    let o = try #require(r.objects.first)
    #expect(o.data == ["empty": "", "1": "one", "16": "sixteen", "true": "yes-text", "quoted": "q"])
    #expect(o.location(of: FieldPath("data").appending(key: "1")).line == 6)
    // A number value is still a type error, as for the API server.
    let bad = ManifestLoader.parse(text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {port: 8080}\n", file: "b.yaml")
    #expect(bad.errors.first?.message.contains("expected a string") == true, "\(bad.errors)")
  }

  /// go-yaml (the API server's reader) ends a flow plain scalar at `,` `]` `}`, so `x:` before one is `x:`;
  /// libyaml refuses it. Positions after the scalar stay those of the original text.
  @Test func flowScalarsEndingInColon() throws {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, annotations: {a: "http:", b: x:, c: 'it''s:'}}
      spec:
        containers: [{name: c, image: x, args: [--listen=:80, --peer=host:, --q=it's:], workingDir: /w}]
      """
    let r = ManifestLoader.parse(text: text, file: "f.yaml")
    #expect(r.errors.isEmpty, "\(r.errors)")
    let o = try #require(r.objects.first)
    #expect(o.metadata.annotations["b"] == "x:")
    #expect(o.pod?.spec.containers.first?.args == ["--listen=:80", "--peer=host:", "--q=it's:"])
    let workingDir = o.location(of: FieldPath("spec.containers[0].workingDir"))
    #expect(workingDir == SourceLocation(file: "f.yaml", line: 5, column: 83))
    #expect(o.location(of: FieldPath("metadata.annotations[c]")).column == 54)
    // What go-yaml refuses stays an error: a flow scalar starting with ':'.
    let bad = ManifestLoader.parse(text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: :x}\n", file: "b.yaml")
    #expect(bad.errors.first?.code == .syntax)
  }

  /// An object with API-validation errors is modelled (partial) with every error; the commands that act on
  /// objects see the errors in `errors` and never get the object in `objects`.
  @Test func validationErrorsLeaveAPartialObject() throws {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: Bad_Name}
      spec:
        hostPID: true
        securityContext: {runAsUser: -1}
        containers:
        - name: app
          image: x
          securityContext: {privileged: true, procMount: Weird}
          volumeMounts: [{name: missing, mountPath: /m}]
      """
    let r = ManifestLoader.parse(text: text, file: "p.yaml")
    #expect(r.objects.isEmpty)
    #expect(r.documentErrors.isEmpty)
    let o = try #require(r.partial.first)
    #expect(o.pod?.spec.hostPID == true)
    #expect(o.pod?.spec.containers.first?.securityContext?.privileged == true)
    let fields = o.validationErrors.compactMap { $0.fieldPath?.description }
    #expect(
      fields.sorted() == [
        "metadata.name", "spec.containers[0].securityContext.procMount", "spec.containers[0].volumeMounts[0].name",
        "spec.securityContext.runAsUser",
      ])
    #expect(o.validationErrors.allSatisfy { $0.location?.file == "p.yaml" && ($0.location?.line ?? 0) > 0 })
    #expect(r.errors.count == o.validationErrors.count)
    // A workload without a pod template is an object the API server refuses, with no pod.
    let noTemplate = ManifestLoader.parse(
      text: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 3}\n", file: "d.yaml")
    #expect(noTemplate.documentErrors.isEmpty && noTemplate.warnings.isEmpty)
    let d = try #require(noTemplate.partial.first)
    #expect(d.pod == nil)
    #expect(d.validationErrors.map(\.message) == ["Required value: template"])
    #expect(d.validationErrors.first?.fieldPath?.description == "spec.template")
    // What cannot be modelled still fails the document.
    let typeError = ManifestLoader.parse(
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: maybe\n  containers: [{name: c}]\n", file: "t.yaml")
    #expect(typeError.partial.isEmpty && typeError.objects.isEmpty)
    #expect(typeError.documentErrors.count == 1)
  }
}
