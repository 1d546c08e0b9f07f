import Foundation
import GarrisonCore
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// Issue 15: API-validation errors as findings beside every other check, StatefulSet claim templates, and
/// Namespace labels that govern exactly their own objects, reported per finding.
@Suite struct RealWorldLintTests {
  static func load(_ files: [(name: String, text: String)]) -> LoadResult {
    var load = LoadResult()
    for f in files {
      let r = ManifestLoader.parse(text: f.text, file: f.name)
      load.objects += r.objects
      load.partial += r.partial
      load.errors += r.errors
      load.documentErrors += r.documentErrors
    }
    return load
  }

  static func lint(_ files: [(name: String, text: String)], options: LintOptions = LintOptions()) throws -> LintReport {
    LintEngine(catalog: try Support.catalog(), options: options).lint(load(files), files: files.map(\.name))
  }

  /// One validation error (an invalid name) no longer hides the pod's PSS verdict.
  @Test func apiInvalidIsAFindingAndEveryCheckStillRuns() throws {
    let pod = """
      apiVersion: v1
      kind: Pod
      metadata: {name: Web_1}
      spec:
        containers:
        - name: app
          image: x
          securityContext: {privileged: true}
      """
    var options = LintOptions()
    options.level = .baseline
    let r = try Self.lint([("p.yaml", pod)], options: options)
    let invalid = try #require(r.findings.first { $0.checkID == "api.invalid" })
    #expect(invalid.severity == .error)
    #expect(invalid.field?.description == "metadata.name")
    #expect(invalid.location == SourceLocation(file: "p.yaml", line: 3, column: 12))
    #expect(invalid.object?.description == "Pod default/Web_1")
    #expect(invalid.message.contains("Web_1"))
    #expect(r.findings.contains { $0.checkID == "pss.privileged" })
    #expect(!r.hasInputErrors)
    #expect(r.exitCode(failOn: .error) == 1)
    #expect(r.objectCount == 1)
  }

  /// A volume with two sources is api.invalid; the hostPath among them is still a PSS violation.
  @Test func everySourceOfAnInvalidVolumeIsJudged() throws {
    let pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, emptyDir: {}, hostPath: {path: /etc}}]\n  containers: [{name: c, image: x}]\n"
    var options = LintOptions()
    options.level = .baseline
    let r = try Self.lint([("v.yaml", pod)], options: options)
    #expect(r.findings.contains { $0.checkID == "api.invalid" && $0.message.contains("more than 1 volume type") })
    #expect(r.findings.contains { $0.checkID == "pss.hostPathVolumes" })
    options.level = .restricted
    let restricted = try Self.lint([("v.yaml", pod)], options: options)
    #expect(restricted.findings.contains { $0.checkID == "pss.restrictedVolumes" && $0.message.contains("hostPath") })
  }

  @Test func cassandraStatefulSetShowsItsBaselineViolation() throws {
    let text = try String(contentsOfFile: Support.fixtures + "/realworld/cassandra-statefulset.yaml", encoding: .utf8)
    var options = LintOptions()
    options.level = .baseline
    let r = try Self.lint([("cassandra.yaml", text)], options: options)
    #expect(!r.hasInputErrors, "\(r.findings)")
    let f = try #require(r.findings.first { $0.checkID == "pss.capabilities_baseline" })
    #expect(f.message.contains("IPC_LOCK"), "\(f.message)")
  }

  static let namespace = """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: apps
      labels:
        pod-security.kubernetes.io/enforce: privileged
    """
  static let hostPIDPod =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n"

  /// A Namespace governs its own file and the files of its directory and below, never another directory's.
  @Test func namespaceLabelsGovernTheirOwnDirectoryOnly() throws {
    var options = LintOptions()
    options.hardening = false
    let r = try Self.lint(
      [("a/ns.yaml", Self.namespace), ("a/web/pod.yaml", Self.hostPIDPod), ("b/pod.yaml", Self.hostPIDPod)], options: options)
    let files = Set(r.findings.filter { $0.checkID.hasPrefix("pss.") }.compactMap { $0.location?.file })
    #expect(files == ["b/pod.yaml"], "\(r.findings)")
    #expect(r.objectsByNamespaceLabel == 1)
    let b = try #require(r.findings.first { $0.checkID == "pss.hostNamespaces" })
    #expect(b.policy == AppliedPolicy(level: .restricted, version: .latest, source: "default"))

    // Same file: governed; standard input is a file of its own.
    let same = try Self.lint([("-", Self.namespace + "\n---\n" + Self.hostPIDPod)], options: options)
    #expect(!same.findings.contains { $0.checkID.hasPrefix("pss.") })
    let stdin = try Self.lint([("ns.yaml", Self.namespace), ("-", Self.hostPIDPod)], options: options)
    #expect(stdin.findings.contains { $0.checkID == "pss.hostNamespaces" })

    // --namespace-labels=ignore: the default policy everywhere.
    options.namespaceLabels = false
    let ignored = try Self.lint([("a/ns.yaml", Self.namespace), ("a/pod.yaml", Self.hostPIDPod)], options: options)
    #expect(ignored.findings.contains { $0.checkID == "pss.hostNamespaces" })
    #expect(ignored.objectsByNamespaceLabel == 0)
  }

  /// The policy and where it came from, per finding, in every format.
  @Test func findingsSayWhichPolicyApplied() throws {
    let baseline = Self.namespace.replacingOccurrences(of: "enforce: privileged", with: "enforce: baseline")
    let pod = Self.hostPIDPod.replacingOccurrences(of: "hostPID: true", with: "hostPID: true\n  hostNetwork: true")
    var options = LintOptions()
    options.hardening = false
    let r = try Self.lint([("k8s/ns.yaml", baseline), ("k8s/pod.yaml", pod)], options: options)
    let f = try #require(r.findings.first { $0.checkID == "pss.hostNamespaces" })
    #expect(f.policy?.pss == PSSPolicy(level: .baseline, version: .latest))
    #expect(f.policy?.source == "Namespace apps (k8s/ns.yaml:1:1), version default")
    #expect(f.policy?.fromNamespaceLabel == true)

    let json = try JSONFormatter().render(r)
    #expect(json.contains("\"source\" : \"Namespace apps (k8s/ns.yaml:1:1), version default\""), "\(json)")
    #expect(json.contains("\"objectsByNamespaceLabel\" : 1"))
    let sarif = try SARIFFormatter(catalog: try Support.catalog()).render(r)
    #expect(sarif.contains("\"pssPolicy\" : \"baseline:latest\""))
    #expect(sarif.contains("\"pssPolicySource\" : \"Namespace apps (k8s/ns.yaml:1:1), version default\""))
    let text = TextFormatter(catalog: try Support.catalog(), color: false).render(r)
    #expect(text.contains("policy baseline:latest (Namespace apps (k8s/ns.yaml:1:1), version default)"), "\(text)")
    #expect(text.contains("(restricted:latest; 1 object by namespace labels)"), "\(text)")

    // An explicit --level wins, and says so.
    options.level = .restricted
    options.levelIsExplicit = true
    options.policySource = "command line"
    let explicit = try Self.lint([("k8s/ns.yaml", baseline), ("k8s/pod.yaml", pod)], options: options)
    let e = try #require(explicit.findings.first { $0.checkID == "pss.hostNamespaces" })
    #expect(e.policy == AppliedPolicy(level: .restricted, version: .latest, source: "command line"))
  }
}
