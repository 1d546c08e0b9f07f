import Foundation
import GarrisonTestSupport
import Testing

/// The `garrison` binary: explain and compile output, errors with file:line:col, exit codes, nothing written on error.
struct CLITests {
  /// Runs the built `garrison` with arguments and optional stdin; returns (status, stdout, stderr).
  static func garrison(_ args: [String], stdin: String? = nil) throws -> (Int32, String, String) {
    // Keep the compiler's BPF cache in the tests' scratch cache, never under /var/lib/garrison.
    var env = ProcessInfo.processInfo.environment
    env["GARRISON_SECCOMP_CACHE"] = Fixture.testBPFCache
    env["GARRISON_ROOT"] = "/var/tmp/garrison-test-root-\(geteuid())"
    let r = try TestProcess.run(BuiltProducts.path("garrison"), args, env: env, stdin: stdin ?? "")
    return (r.status, r.stdout, r.stderr)
  }

  static func scratch() throws -> String {
    let d = "/var/tmp/garrison-cli-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }

  @Test func explainNamesFieldsAndDefaults() throws {
    let yaml = Fixture.pod(podSC: "runAsUser: 1000", containerSC: "allowPrivilegeEscalation: false")
    let (status, out, _) = try Self.garrison(["explain", "--no-seccomp-default", "-"], stdin: yaml)
    #expect(status == 0)
    #expect(out.contains("uid                        1000"))
    #expect(out.contains("← spec.securityContext.runAsUser (8:5)"))
    #expect(out.contains("← spec.containers[0].securityContext.allowPrivilegeEscalation (13:7)"))
    #expect(out.contains("← containerd default capability set"))
    #expect(out.contains("capabilities after execve as uid 1000: effective (none), permitted (none)"))
  }

  @Test(arguments: [
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: a\n", 2, "-:4:1: error: invalid YAML"),
    (
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    securityContext: {runAsUser: abc}\n", 2,
      "-:7:"
    ),
    (
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 0}\n  containers: [{name: c, image: x}]\n",
      3, "runAsNonRoot"
    ),
    ("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n", 2, "no pods found"),
    (
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x, resources: {limits: {cpu: 1x}}}]\n", 2,
      "spec.containers[0].resources.limits[cpu]"
    ),
  ])
  func badInputExitCodes(yaml: String, code: Int32, message: String) throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (status, _, err) = try Self.garrison(["compile", "--no-seccomp-default", "-o", dir + "/out", "-"], stdin: yaml)
    #expect(status == code, "\(err)")
    #expect(err.contains(message), "\(err)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "nothing may be written on error")
  }

  @Test func unknownFieldsWarnAndStrictFails() throws {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x, securityContxt: {}}]\n"
    let (s1, _, e1) = try Self.garrison(["compile", "--no-seccomp-default", "-"], stdin: yaml)
    #expect(s1 == 0)
    #expect(e1.contains("-:5:36: warning: spec.containers[0].securityContxt: unknown field"))
    let (s2, _, e2) = try Self.garrison(["compile", "--strict", "--no-seccomp-default", "-"], stdin: yaml)
    #expect(s2 == 2)
    #expect(e2.contains("error: spec.containers[0].securityContxt"))
  }

  @Test func compileWritesPlansAndBundles() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let yaml = Fixture.pod(podSC: "runAsUser: 1000")
    let (s1, _, _) = try Self.garrison(["compile", "--no-seccomp-default", "-o", dir, "-"], stdin: yaml)
    #expect(s1 == 0)
    #expect(FileManager.default.fileExists(atPath: dir + "/ns_pod_p_c.plan.json"))
    let (s2, _, _) = try Self.garrison(["compile", "--no-seccomp-default", "--format", "oci", "-o", dir, "-"], stdin: yaml)
    #expect(s2 == 0)
    let config =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ns_pod_p_c/config.json"))) as? [String: Any]
    let user = (config?["process"] as? [String: Any])?["user"] as? [String: Any]
    #expect(user?["uid"] as? Int == 1000)
  }
}
