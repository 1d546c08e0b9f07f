import Foundation
import Testing

/// Runs the built `garrison` binary: exit codes, stdin, directories, config discovery, formats.
/// The binary is built by `swift build` (the test target cannot depend on an executable); when it is
/// missing these tests are skipped with that reason.
/// Where the built binary is: next to the test resources bundle in .build/<config>/.
enum CLIBinary {
  static var path: String {
    Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("garrison").path
  }
  static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }
}

@Suite(.enabled(if: CLIBinary.exists, "needs .build/<config>/garrison: run `swift build` before `swift test`"))
struct CLITests {
  static var binary: String { CLIBinary.path }

  struct Result {
    var code: Int32
    var out: String
    var err: String
  }

  /// Runs `garrison lint args...`, optionally with standard input and a working directory.
  static func lint(_ args: [String], stdin: String? = nil, cwd: String? = nil, env: [String: String] = [:]) throws -> Result {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = ["lint"] + args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "GARRISON_POLICIES")
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inp.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Result(code: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
  }

  static var pss: String { Support.fixtures + "/pss" }

  /// A fresh scratch directory under /var/tmp.
  static func scratch() throws -> String {
    let dir = "/var/tmp/garrison-lint-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Issue 15: a file of custom resources and unmodelled built-in kinds is valid input (exit 0, nothing to
  /// report); `-v` says what was read but not checked; a CRLF file with a violating pod is still checked.
  @Test func unmodelledKindsEmptyDocumentsAndCRLFAreValidInput() throws {
    let crd = "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\nspec: {secretName: x}\n---\n# trailing\n"
    let quiet = try Self.lint(["-"], stdin: crd)
    #expect(quiet.code == 0, "\(quiet.err)")
    let verbose = try Self.lint(["-v", "-"], stdin: crd)
    #expect(verbose.code == 0)
    #expect(verbose.err.contains("Certificate web (cert-manager.io/v1) read, not checked"), "\(verbose.err)")
    let pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]\n"
    let crlf = try Self.lint(["--level", "baseline", "-"], stdin: (crd + pod).replacingOccurrences(of: "\n", with: "\r\n"))
    #expect(crlf.code == 1, "\(crlf.out) \(crlf.err)")
    #expect(crlf.out.contains("privileged"), "\(crlf.out)")
  }

  @Test func cleanInputExitsZero() throws {
    let r = try Self.lint(["--no-hardening", Self.pss + "/base/restricted-pod.yaml"])
    #expect(r.code == 0, "\(r.err)")
    #expect(r.out.contains("ok: 0 errors"))
  }

  @Test func violationsExitOne() throws {
    let r = try Self.lint([Self.pss + "/privileged/container.yaml"])
    #expect(r.code == 1)
    #expect(r.out.contains(#"privileged (container "app" must not set securityContext.privileged=true)"#))
    #expect(!r.out.contains("\u{1B}["))  // not a terminal: no colour
    let colored = try Self.lint(["--color", "always", Self.pss + "/privileged/container.yaml"])
    #expect(colored.out.contains("\u{1B}["))
  }

  @Test func levelAndVersionFlags() throws {
    let f = Self.pss + "/seccomp/pod-unconfined.yaml"
    #expect(try Self.lint(["--no-hardening", "--level", "baseline", f]).code == 1)
    #expect(try Self.lint(["--no-hardening", "--level", "baseline", "--pss-version", "v1.18", f]).code == 0)
    #expect(try Self.lint(["--no-hardening", "--level", "privileged", f]).code == 0)
  }

  @Test func failOnThreshold() throws {
    let f = Self.pss + "/base/restricted-pod.yaml"  // hardening warnings only
    #expect(try Self.lint([f]).code == 0)
    #expect(try Self.lint(["--fail-on", "warning", f]).code == 1)
    #expect(try Self.lint(["--fail-on", "none", Self.pss + "/privileged/container.yaml"]).code == 0)
  }

  @Test func usageAndInputErrorsExitTwo() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let empty = dir + "/empty.yaml"
    try "# nothing here\n".write(toFile: empty, atomically: true, encoding: .utf8)
    let broken = dir + "/broken.yaml"
    try Support.read(Self.pss + "/privileged/container.yaml").appending("---\nkind: Pod\nmetadata: {name: [\n")
      .write(toFile: broken, atomically: true, encoding: .utf8)
    for args in [
      [String](), [dir + "/missing.yaml"], [empty], ["--format", "xml", empty], ["--level", "strict", empty],
      ["--pss-version", "1.25", empty], ["--fail-on", "sometimes", empty], ["--explain", "pss.nosuch"],
    ] {
      let r = try Self.lint(args)
      #expect(r.code == 2, "\(args): \(r.code) \(r.err)")
      #expect(!r.err.isEmpty, "\(args): no message")
    }
    // A broken document: reported with file:line:col, the rest still linted, exit 2.
    let r = try Self.lint([broken])
    #expect(r.code == 2)
    #expect(r.out.contains("garrison.parseError"))
    #expect(r.out.contains("pss.privileged"))
  }

  @Test func stdinAndDirectories() throws {
    let text = try Support.read(Self.pss + "/hostPorts/app.yaml")
    let r = try Self.lint(["--no-hardening", "-"], stdin: text)
    #expect(r.code == 1)
    #expect(r.out.hasPrefix("-\n"))
    let d = try Self.lint(["--no-hardening", "--format", "json", Self.pss])
    #expect(d.code == 1)
    let obj = try JSONSerialization.jsonObject(with: Data(d.out.utf8)) as? [String: Any]
    #expect((obj?["summary"] as? [String: Any])?["objects"] as? Int == 104)  // every fixture under pss/
  }

  @Test func explainAndList() throws {
    let r = try Self.lint(["--explain", "pss.runAsNonRoot"])
    #expect(r.code == 0)
    #expect(r.out.contains("Running as non-root") && r.out.contains("Fix:"))
    #expect(try Self.lint(["--explain", "privileged"]).out.contains("pss.privileged"))
    let l = try Self.lint(["--list-checks"])
    #expect(l.code == 0)
    #expect(l.out.split(separator: "\n").count >= 30)
  }

  @Test func configDiscoveryAndExplicitConfig() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/sub/deeper", withIntermediateDirectories: true)
    try "lint:\n  hardening: false\n  exemptions:\n    - checks: [pss.privileged, pss.allowPrivilegeEscalation]\n      reason: test\n"
      .write(toFile: dir + "/.garrison.yaml", atomically: true, encoding: .utf8)
    let f = Self.pss + "/privileged/container.yaml"
    // Found upwards from the working directory.
    let found = try Self.lint([f], cwd: dir + "/sub/deeper")
    #expect(found.code == 0, "\(found.out)\(found.err)")
    #expect(found.out.contains("2 suppressed"))
    #expect(try Self.lint(["--no-config", f], cwd: dir + "/sub/deeper").code == 1)
    // An explicit config with a typo is a usage error.
    try "lint:\n  hardning: false\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
    let bad = try Self.lint(["--config", dir + "/bad.yaml", f])
    #expect(bad.code == 2)
    #expect(bad.err.contains("bad.yaml:2:3"))
  }

  @Test func sarifToFile() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try Self.lint(["--format", "sarif", "-o", dir + "/out.sarif", Self.pss + "/privileged/container.yaml"])
    #expect(r.code == 1)
    #expect(r.out.isEmpty)
    let sarif = try Support.read(dir + "/out.sarif")
    #expect(sarif.contains("\"version\" : \"2.1.0\""))
  }

  @Test func namespaceLabelsFromInput() throws {
    let ns =
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n---\n"
    let dep = try Support.read(Self.pss + "/kinds/deployment-hostpid.yaml")
    #expect(try Self.lint(["--no-hardening", "-"], stdin: dep).code == 1)
    #expect(try Self.lint(["--no-hardening", "-"], stdin: ns + dep).code == 0)
    #expect(try Self.lint(["--no-hardening", "--level", "baseline", "-"], stdin: ns + dep).code == 1)
  }

  /// Issue 15: a Namespace label in one directory does not re-level another directory's objects;
  /// `--namespace-labels=ignore` turns labels off; an API-invalid object is a finding (exit 1), not bad input.
  @Test func namespaceLabelScopeAndAPIInvalid() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n"
    let pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n"
    for (path, text) in [("a/ns.yaml", ns), ("a/pod.yaml", pod), ("b/pod.yaml", pod)] {
      try FileManager.default.createDirectory(
        atPath: dir + "/" + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: dir + "/" + path, atomically: true, encoding: .utf8)
    }
    let governed = try Self.lint(["--no-hardening", dir + "/a"])
    #expect(governed.code == 0, "\(governed.out)")
    let both = try Self.lint(["--no-hardening", "--format", "json", dir])
    #expect(both.code == 1)
    #expect(both.out.components(separatedBy: "\"checkID\" : \"pss.hostNamespaces\"").count == 2, "\(both.out)")
    #expect(try Self.lint(["--no-hardening", "--namespace-labels=ignore", dir + "/a"]).code == 1)
    #expect(try Self.lint(["--namespace-labels=sometimes", dir]).code == 2)

    let invalid =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec:\n  containers: [{name: c, image: x, securityContext: {privileged: true}}]\n"
    let r = try Self.lint(["--no-hardening", "--level", "baseline", "-"], stdin: invalid)
    #expect(r.code == 1, "\(r.out) \(r.err)")
    #expect(r.out.contains("api.invalid") && r.out.contains("pss.privileged"), "\(r.out)")
  }

  @Test func effectiveUsesThePolicyCompiler() throws {
    let refused =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 0}\n  containers: [{name: app, image: x}]\n"
    let r = try Self.lint(["--effective", "--no-hardening", "--level", "baseline", "-"], stdin: refused)
    #expect(r.code == 1, "\(r.out)\(r.err)")
    #expect(r.out.contains("garrison.compileError"))
    // runAsNonRoot needs a known UID: the image is not imported here, so the pod sets runAsUser.
    let known = try Support.read(Self.pss + "/runAsUser/nonzero.yaml")
    let ok = try Self.lint(["--effective", "--no-hardening", "--format", "json", "-"], stdin: known)
    #expect(ok.code == 0, "\(ok.err)")
    let obj = try JSONSerialization.jsonObject(with: Data(ok.out.utf8)) as? [String: Any]
    let eff = try #require(obj?["effective"] as? [[String: Any]])
    #expect(eff.count == 2)  // init and app
    #expect(eff.allSatisfy { $0["noNewPrivileges"] as? Bool == true && ($0["capabilities"] as? [String])?.isEmpty == true })
  }
}
