import Foundation
import GarrisonCore
import Testing
@testable import GarrisonCompiler

/// Issue 15: compile/explain on real-world manifests: output names with the kind and refused collisions, a
/// missing Localhost profile as unenforceable, IPC-namespaced `kernel.shm*` sysctls, and runAsNonRoot on an
/// image not in the local store.
struct RealWorldCompileTests {
  static let twoKinds = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: ns}
    spec:
      selector: {matchLabels: {a: b}}
      template:
        metadata: {labels: {a: b}}
        spec:
          securityContext: {runAsUser: 1000}
          containers: [{name: app, image: busybox, securityContext: {privileged: true}}]
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web, namespace: ns}
    spec:
      selector: {matchLabels: {a: b}}
      serviceName: web
      template:
        metadata: {labels: {a: b}}
        spec:
          securityContext: {runAsUser: 1000}
          containers: [{name: app, image: busybox}]
    """

  @Test func outputNamesIncludeTheKind() throws {
    let dir = try CLITests.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (status, _, err) = try CLITests.garrison(["compile", "--no-seccomp-default", "-o", dir, "-"], stdin: Self.twoKinds)
    #expect(status == 0, "\(err)")
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(names == ["ns_deployment_web_app.plan.json", "ns_statefulset_web_app.plan.json"])
    let plan =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ns_deployment_web_app.plan.json")))
      as? [String: Any]
    #expect(plan?["privileged"] as? Bool == true)
  }

  @Test func collisionIsRefusedNamingBothObjects() throws {
    let dir = try CLITests.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  securityContext: {runAsUser: 1000}\n  containers: [{name: c, image: busybox}]\n"
    for format in ["plan", "oci"] {
      let (status, _, err) = try CLITests.garrison(
        ["compile", "--no-seccomp-default", "--format", format, "-o", dir + "/out", "-"], stdin: pod + "---\n" + pod)
      #expect(status == 2, "\(err)")
      #expect(err.contains("Pod/ns/p (-:1:1) and Pod/ns/p (-:8:1) would both be written as ns_pod_p_c"), "\(err)")
      #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "nothing may be written")
    }
    // Standard output too: two documents of the same name cannot be told apart there either.
    let (status, _, _) = try CLITests.garrison(["compile", "--no-seccomp-default", "-"], stdin: pod + "---\n" + pod)
    #expect(status == 2)
  }

  /// An object the API server would refuse is still refused by explain and compile (exit 2), every error named;
  /// only lint checks the rest of it.
  @Test func apiInvalidObjectsAreStillRefused() throws {
    let yaml =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec:\n  securityContext: {runAsUser: -1}\n  containers: [{name: c, image: busybox}]\n"
    for command in ["explain", "compile"] {
      let (status, out, err) = try CLITests.garrison([command, "--no-seccomp-default", "-"], stdin: yaml)
      #expect(status == 2, "\(command): \(err)")
      #expect(out.isEmpty)
      #expect(err.contains("-:3:12: error: metadata.name: Invalid value: \"Bad_Name\""), "\(err)")
      #expect(err.contains("-:5:32: error: spec.securityContext.runAsUser: Invalid value: -1"), "\(err)")
    }
  }

  @Test func missingLocalhostProfileIsUnenforceable() throws {
    let dir = try CLITests.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let yaml = Fixture.pod(
      podSC: "runAsUser: 1000", containerSC: "seccompProfile: {type: Localhost, localhostProfile: profiles/missing.json}")
    for root in [dir, dir + "/no-such-root"] {
      let (status, _, err) = try CLITests.garrison(["compile", "--seccomp-profile-root", root, "-"], stdin: yaml)
      #expect(status == 3, "\(err)")
      #expect(err.contains("Localhost seccomp profile profiles/missing.json not found under \(root)"), "\(err)")
    }
  }

  @Test func shmSysctlsAreIPCNamespaced() throws {
    let yaml = Fixture.pod(podSC: "sysctls: [{name: kernel.shm_next_id, value: '10'}]")
    let refused = #expect(throws: GarrisonError.self) { try Fixture.compile(yaml) }
    #expect(refused?.message.contains("not in the safe set") == true, "\(String(describing: refused))")
    var opts = Fixture.options()
    opts.allowedUnsafeSysctls = ["kernel.shm_next_id"]
    #expect(try Fixture.plan(yaml, options: opts).sysctls == ["kernel.shm_next_id": "10"])
    opts.allowedUnsafeSysctls = ["kernel.shm*", "kernel.msg*"]
    let msg = Fixture.pod(podSC: "sysctls: [{name: kernel.msg_next_id, value: '1'}, {name: kernel.shm_next_id, value: '1'}]")
    #expect(try Fixture.plan(msg, options: opts).sysctls.count == 2)
    // Shared with the host: refused even when allowed.
    let hostIPC = Fixture.pod(podSC: "sysctls: [{name: kernel.shm_next_id, value: '10'}]", specExtra: "hostIPC: true")
    let e = #expect(throws: GarrisonError.self) { try Fixture.compile(hostIPC, options: opts) }
    #expect(e?.message.contains("hostIPC") == true)
    #expect(SysctlRules.namespace(of: "kernel.panic") == nil)
  }

  @Test func runAsNonRootOnAnImageNotInTheStore() throws {
    let yaml = Fixture.pod(podSC: "runAsNonRoot: true")
    // compile says how to provide the uid, and refuses (exit 3).
    let (s1, _, e1) = try CLITests.garrison(["compile", "--no-seccomp-default", "-"], stdin: yaml)
    #expect(s1 == 3)
    #expect(e1.contains("image busybox is not in the local store"), "\(e1)")
    #expect(e1.contains("--assume-image-user UID") && e1.contains("runAsUser") && e1.contains("import"), "\(e1)")
    // explain says what it would need to know instead of refusing.
    let (s2, out, e2) = try CLITests.garrison(["explain", "--no-seccomp-default", "-"], stdin: yaml)
    #expect(s2 == 0, "\(e2)")
    #expect(out.contains("uid                        unknown"), "\(out)")
    #expect(out.contains("needs: the image's uid"), "\(out)")
    // --assume-image-user decides it.
    let (s3, plan, e3) = try CLITests.garrison(["compile", "--no-seccomp-default", "--assume-image-user", "1234", "-"], stdin: yaml)
    #expect(s3 == 0, "\(e3)")
    #expect(plan.contains("\"uid\" : 1234"), "\(plan)")
    let (s4, _, e4) = try CLITests.garrison(["compile", "--no-seccomp-default", "--assume-image-user", "0", "-"], stdin: yaml)
    #expect(s4 == 3, "\(e4)")
  }
}
