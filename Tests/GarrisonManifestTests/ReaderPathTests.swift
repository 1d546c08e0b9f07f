import GarrisonCore
import Testing

@testable import GarrisonManifest

/// A reader made for a field or a list item makes its field path only when asked (an error, an unknown field): the
/// path it then makes is step for step the one an eagerly built path had, at any depth.
struct ReaderPathTests {
  static func pod(_ containers: String) -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
    spec:
      containers:
    \(containers)
    """
  }

  /// `spec.containers[i]` followed by `rest`, built step by step.
  static func containerPath(_ i: Int, _ rest: [FieldPath.Step]) -> FieldPath {
    FieldPath([.field("spec"), .field("containers"), .index(i)] + rest)
  }

  @Test func unknownFieldInAListItemsMapping() throws {
    let r = ManifestLoader.parse(
      text: Self.pod("  - name: a\n    image: x\n  - name: b\n    image: y\n    securityContext:\n      bogus: 1"), file: "p.yaml")
    let w = try #require(r.warnings.first)
    #expect(r.warnings.count == 1)
    #expect(w.fieldPath == Self.containerPath(1, [.field("securityContext"), .field("bogus")]))
    #expect(w.location == SourceLocation(file: "p.yaml", line: 12, column: 7))
  }

  @Test func typeErrorInAStringListItem() throws {
    let r = ManifestLoader.parse(text: Self.pod("  - name: a\n    image: x\n    command: [sh, {x: 1}]"), file: "p.yaml")
    let e = try #require(r.documentErrors.first)
    #expect(e.fieldPath == Self.containerPath(0, [.field("command"), .index(1)]))
  }

  @Test func duplicateKeyInANestedMapping() throws {
    let r = ManifestLoader.parse(
      text: Self.pod("  - name: a\n    image: x\n    securityContext:\n      privileged: false\n      privileged: true"),
      file: "p.yaml")
    let e = try #require(r.documentErrors.first)
    #expect(e.message.contains("duplicate field \"privileged\""))
    #expect(e.fieldPath == Self.containerPath(0, [.field("securityContext"), .field("privileged")]))
  }

  @Test func listItemThatIsNoMapping() throws {
    let r = ManifestLoader.parse(text: Self.pod("  - 5"), file: "p.yaml")
    let e = try #require(r.documentErrors.first)
    #expect(e.message.contains("expected an object, got an integer"))
    #expect(e.fieldPath == Self.containerPath(0, []))
  }

  @Test func fieldThatIsNoMapping() throws {
    let r = ManifestLoader.parse(text: Self.pod("  - name: a\n    image: x\n    securityContext: [1]"), file: "p.yaml")
    let e = try #require(r.documentErrors.first)
    #expect(e.message.contains("expected an object, got a list"))
    #expect(e.fieldPath == Self.containerPath(0, [.field("securityContext")]))
  }

  @Test func validationErrorNamesTheItemsField() throws {
    // A port out of range: an API-validation error of the object, at the port item's field.
    let r = ManifestLoader.parse(
      text: Self.pod("  - name: a\n    image: x\n    ports:\n    - containerPort: 80\n    - containerPort: 70000"), file: "p.yaml")
    let o = try #require(r.partial.first)
    let e = try #require(o.validationErrors.first)
    #expect(e.fieldPath == Self.containerPath(0, [.field("ports"), .index(1), .field("containerPort")]))
  }

  @Test func podTemplatePathsOfAWorkload() throws {
    let r = ManifestLoader.parse(
      text: """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: c}
        spec:
          schedule: "* * * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: a, image: x}]
        """, file: "c.yaml")
    let o = try #require(r.objects.first)
    let pod = try #require(o.pod)
    #expect(pod.specPath == FieldPath([.field("spec"), .field("jobTemplate"), .field("spec"), .field("template"), .field("spec")]))
    #expect(pod.metadataPath == FieldPath([.field("spec"), .field("jobTemplate"), .field("spec"), .field("template"), .field("metadata")]))
  }
}
