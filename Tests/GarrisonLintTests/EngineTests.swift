import GarrisonCore
import GarrisonManifest
import Testing

@testable import GarrisonLint

/// The engine: namespace labels, exemptions (annotations and config), enable/disable, de-duplication,
/// parse errors, exit codes.
@Suite struct EngineTests {
  static func lint(_ yaml: String, options: LintOptions = LintOptions(), file: String = "in.yaml") throws -> LintReport {
    let load = ManifestLoader.parse(text: yaml, file: file)
    return LintEngine(catalog: try Support.catalog(), options: options).lint(load, files: [file])
  }

  static let privilegedPod = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: priv
      namespace: legacy
    spec:
      containers:
      - name: app
        image: registry.example/app:1
        securityContext:
          privileged: true
          seccompProfile: {type: Unconfined}
    """

  static func ids(_ r: LintReport, prefix: String = "pss.") -> [String] {
    r.findings.map(\.checkID).filter { $0.hasPrefix(prefix) }.sorted()
  }

  @Test func namespaceLabelsSetLevelAndVersion() throws {
    let ns = """
      apiVersion: v1
      kind: Namespace
      metadata:
        name: legacy
        labels:
          pod-security.kubernetes.io/enforce: baseline
          pod-security.kubernetes.io/enforce-version: v1.18
      ---

      """
    var options = LintOptions()
    options.hardening = false
    // baseline v1.18: privileged only (seccomp fields are not checked before v1.19).
    #expect(Self.ids(try Self.lint(ns + Self.privilegedPod, options: options)) == ["pss.privileged"])
    // Without the namespace: restricted latest.
    let all = Self.ids(try Self.lint(Self.privilegedPod, options: options))
    #expect(all.contains("pss.seccompProfile_restricted") && all.contains("pss.runAsNonRoot"))
    // An explicit --level wins over the label.
    options.level = .restricted
    options.levelIsExplicit = true
    let explicit = Self.ids(try Self.lint(ns + Self.privilegedPod, options: options))
    #expect(explicit.contains("pss.runAsNonRoot"))
    #expect(!explicit.contains("pss.seccompProfile_restricted"))  // still v1.18 from the label
  }

  @Test func privilegedNamespaceAndInvalidLabels() throws {
    var options = LintOptions()
    options.hardening = false
    let priv =
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels: {pod-security.kubernetes.io/enforce: privileged}\n---\n"
    #expect(try Self.lint(priv + Self.privilegedPod, options: options).findings.isEmpty)
    let bad =
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels: {pod-security.kubernetes.io/enforce: strict, pod-security.kubernetes.io/enforce-version: \"1.25\"}\n---\n"
    let r = try Self.lint(bad + Self.privilegedPod, options: options)
    #expect(r.findings.filter { $0.checkID == "garrison.namespaceLabel" }.count == 2)
    #expect(Self.ids(r).contains("pss.runAsNonRoot"))  // invalid level -> restricted
  }

  @Test func annotationExemptions() throws {
    var options = LintOptions()
    options.hardening = false
    let y = Self.privilegedPod.replacingOccurrences(
      of: "  namespace: legacy\n",
      with:
        "  namespace: legacy\n  annotations:\n    garrison.io/ignore: \"pss.privileged, pss.hostPorts\"\n    garrison.io/ignore-reason: needs device access\n",
      count: 1)
    let r = try Self.lint(y, options: options)
    #expect(!Self.ids(r).contains("pss.privileged"))
    #expect(r.suppressed.map(\.finding.checkID) == ["pss.privileged"])
    #expect(r.suppressed.first?.reason == "needs device access")
    #expect(r.suppressed.first?.source == "annotation")
    let unused = r.findings.filter { $0.checkID == "garrison.unusedExemption" }
    #expect(unused.count == 1)
    #expect(unused.first?.message.contains("pss.hostPorts") == true)
    #expect(unused.first?.location?.line == 7)
    #expect(!r.findings.contains { $0.checkID == "garrison.exemptionWithoutReason" })

    let noReason = y.replacingOccurrences(of: "    garrison.io/ignore-reason: needs device access\n", with: "", count: 1)
    #expect(try Self.lint(noReason, options: options).findings.contains { $0.checkID == "garrison.exemptionWithoutReason" })
  }

  @Test func configExemptionsAndUnused() throws {
    let config = try LintConfig.parse(
      """
      lint:
        level: baseline
        checks:
          disable: [hardening.probes]
        exemptions:
          - checks: [pss.privileged]
            namespaces: [legacy]
            names: ["pri*"]
            reason: device plugin
          - checks: ["*"]
            images: ["docker.io/*"]
          - checks: [pss.hostPorts]
            namespaces: [nowhere]
      """, file: ".garrison.yaml")
    #expect(config.level == .baseline)
    #expect(config.exemptions.count == 3)
    #expect(config.exemptions[2].location.line == 12)
    var options = LintOptions()
    options.apply(config)
    let r = try Self.lint(Self.privilegedPod, options: options)
    #expect(r.suppressed.map(\.finding.checkID) == ["pss.privileged"])
    #expect(r.suppressed.first?.source == "config")
    #expect(!r.findings.contains { $0.checkID == "hardening.probes" })
    let unused = r.findings.filter { $0.checkID == "garrison.unusedExemption" }.map(\.message)
    #expect(unused.count == 2)
    #expect(unused.allSatisfy { $0.contains(".garrison.yaml") })

    // The image glob exempts every container finding of docker.io images; pod-level findings stay.
    let docker = Self.privilegedPod.replacingOccurrences(of: "registry.example/app:1", with: "docker.io/library/app:1", count: 1)
    let d = try Self.lint(docker, options: options)
    #expect(d.findings.filter { $0.container != nil }.isEmpty)
    #expect(d.findings.map(\.checkID).contains("hardening.automountServiceAccountToken"))
    #expect(d.suppressed.contains { $0.finding.checkID == "hardening.readOnlyRootFilesystem" })
  }

  @Test func configErrors() {
    for (text, line) in [
      ("lint:\n  levle: baseline\n", 2), ("lint:\n  level: strict\n", 2), ("lint:\n  exemptions:\n    - reason: x\n", 3),
      ("lint:\n  failOn: sometimes\n", 2), ("other: 1\n", 1),
    ] {
      #expect(throws: GarrisonError.self) { try LintConfig.parse(text, file: "c.yaml") }
      do {
        _ = try LintConfig.parse(text, file: "c.yaml")
      } catch let e as GarrisonError {
        #expect(e.location?.line == line, "\(text): \(e)")
      } catch {}
    }
  }

  @Test func globs() {
    #expect(Glob("web-*").matches("web-1"))
    #expect(!Glob("web-*").matches("api-1"))
    #expect(Glob("a?c").matches("abc") && !Glob("a?c").matches("abbc"))
    #expect(Glob("*").matches(""))
    #expect(Glob("docker.io/*/nginx*").matches("docker.io/library/nginx:1.2"))
  }

  @Test func hardeningDuplicatesOfPSSAreDropped() throws {
    let y = Self.privilegedPod.replacingOccurrences(of: "privileged: true", with: "capabilities: {add: [SYS_TIME]}", count: 1)
    let r = try Self.lint(y)
    #expect(
      r.findings.contains { $0.checkID == "pss.capabilities_restricted" && $0.field?.description.hasSuffix("capabilities.add") == true })
    #expect(!r.findings.contains { $0.checkID == "hardening.addedCapabilities" })
    #expect(r.findings.contains { $0.checkID == "hardening.seccompUnconfined" } == false)  // same field as the PSS seccomp finding
  }

  @Test func parseErrorsAreReportedAndTheRestIsLinted() throws {
    let y = Self.privilegedPod + "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: broken\n"
    let r = try Self.lint(y)
    let e = try #require(r.findings.first { $0.checkID == "garrison.parseError" })
    #expect(e.location?.file == "in.yaml")
    #expect((e.location?.line ?? 0) >= 14)
    #expect(r.findings.contains { $0.checkID == "pss.privileged" })
    #expect(r.exitCode(failOn: .error) == 2)
  }

  @Test func exitCodesFollowFailOn() throws {
    var options = LintOptions()
    options.level = .privileged
    let clean = """
      apiVersion: v1
      kind: Pod
      metadata: {name: c}
      spec:
        containers: [{name: app, image: x}]
      """
    let r = try Self.lint(clean, options: options)
    #expect(r.count(.error) == 0 && r.count(.warning) > 0)
    #expect(r.exitCode(failOn: .error) == 0)
    #expect(r.exitCode(failOn: .warning) == 1)
    #expect(r.exitCode(failOn: .none) == 0)
    options.hardening = false
    let quiet = try Self.lint(clean, options: options)
    #expect(quiet.findings.isEmpty)
    #expect(quiet.exitCode(failOn: .info) == 0)
  }

  @Test func findingsCarryLocationsAndObjects() throws {
    let r = try Self.lint(Self.privilegedPod)
    let p = try #require(r.findings.first { $0.checkID == "pss.privileged" })
    #expect(p.object == ObjectRef(kind: "Pod", namespace: "legacy", name: "priv"))
    #expect(p.container == "app")
    #expect(p.field?.description == "spec.containers[0].securityContext.privileged")
    #expect(p.location == SourceLocation(file: "in.yaml", line: 11, column: 7))
    #expect(p.severity == .error)
    #expect(p.remediation?.isEmpty == false)
  }

  @Test func catalogMatchesImplementedChecks() throws {
    let catalog = try Support.catalog()
    for c in PSSRegistry.checks {
      let rule = try #require(catalog[c.checkID], "no rule for \(c.checkID)")
      #expect(rule.k8sCheck == c.id)
      #expect(rule.level == c.level.rawValue)
      #expect(rule.since == "v1.\(c.versions[0].minimumMinor)")
      #expect(rule.severity == .error)
    }
    for c in HardeningRegistry.checks { #expect(catalog[c.id] != nil, "no rule for \(c.id)") }
    let implemented = Set(PSSRegistry.checks.map(\.checkID) + HardeningRegistry.checks.map(\.id))
    for r in catalog.sorted where r.category != "garrison" && r.category != "api" {
      #expect(implemented.contains(r.id), "rule \(r.id) has no implementation")
    }
  }

  @Test func unknownFieldsAreWarnings() throws {
    let y = """
      apiVersion: v1
      kind: Pod
      metadata: {name: typo}
      spec:
        containers:
        - name: app
          image: x
          securityContex: {privileged: true}
      """
    let r = try Self.lint(y)
    let w = try #require(r.findings.first { $0.checkID == "garrison.unknownField" })
    #expect(w.severity == .warning)
    #expect(w.location?.line == 8)
    #expect(r.exitCode(failOn: .warning) == 1)
    var options = LintOptions()
    options.disable = ["garrison.unknownField"]
    #expect(!(try Self.lint(y, options: options)).findings.contains { $0.checkID == "garrison.unknownField" })
  }
}
