import Foundation
import GarrisonOCI
import GarrisonRuntime
import Testing

/// garrison-oci compiles linux.seccomp with GarrisonSeccomp and, when the config pins the plan's BPF
/// digest (`dev.garrison.seccomp.bpf-digest`), refuses a program with another digest.
@Suite(.serialized) struct SeccompDigestPinTests {
  static let key = GarrisonAnnotations.seccompBPFDigest

  static func pinnedSpec(_ args: [String]) throws -> RuntimeSpec {
    var spec = DefaultSpec.make(args: args)
    spec.linux!.seccomp = Harness.runtimeDefaultLike
    let bpf = try OCISeccompCompiler(log: { _ in }).compile(Harness.runtimeDefaultLike)
    spec.annotations = [key: try SeccompDigestPin.digest(of: bpf)]
    return spec
  }

  @Test func matchingDigestRuns() throws {
    guard Harness.canRun else { return }
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let r = try b.run(try Self.pinnedSpec(["sh", "-c", "unshare -m true || echo denied"]))
    #expect(r.status == 0 && r.stdout.contains("denied"), "\(r.stdout) \(r.stderr)")
  }

  /// A tampered annotation, tampered rules, or a removed profile: refused (exit 3) before anything exists.
  @Test(arguments: ["annotation", "rules", "defaultAction", "removed"])
  func mismatchRefused(_ tamper: String) throws {
    guard Harness.canRun else { return }
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = try Self.pinnedSpec(["true"])
    switch tamper {
    case "annotation": spec.annotations![Self.key] = "sha256:" + String(repeating: "ab", count: 32)
    case "rules": spec.linux!.seccomp!.syscalls![0].names.removeAll { $0 == "unshare" }
    case "defaultAction": spec.linux!.seccomp!.defaultAction = "SCMP_ACT_LOG"
    default: spec.linux!.seccomp = nil
    }
    try b.write(spec)
    let id = "pin-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let r = try b.oci(["create", "--bundle", b.dir, id])
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains(Self.key) || r.stderr.contains("pins seccomp program"), "\(r.stderr)")
    let states = ((try? FileManager.default.contentsOfDirectory(atPath: b.stateRoot)) ?? []).filter { $0 != "audit" && !$0.hasPrefix(".") }  // .init-lower: the runtime's shared overlay scratch
    #expect(states.isEmpty, "state left: \(states)")
    #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/garrison-oci-\(id)"))
  }

  @Test func malformedPinIsInvalid() throws {
    guard Harness.canRun else { return }
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = try Self.pinnedSpec(["true"])
    spec.annotations![Self.key] = "md5:1234"
    let r = try b.run(spec)
    #expect(r.status == 2 && r.stderr.contains("sha256:<64 hex digits>"), "\(r.stderr)")
  }

  /// runc compatibility: a syscall libseccomp does not know is skipped with a log line, the rest enforced.
  @Test func unknownSyscallSkippedWithLogLine() throws {
    guard Harness.canRun else { return }
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["sh", "-c", "unshare -m true || echo denied"])
    var profile = Harness.runtimeDefaultLike
    profile.syscalls![0].names.append("garrison_no_such_syscall")
    spec.linux!.seccomp = profile
    let r = try b.run(spec)
    #expect(r.status == 0 && r.stdout.contains("denied"), "\(r.stdout) \(r.stderr)")
    #expect(r.stderr.contains("skipping unknown syscall \"garrison_no_such_syscall\""), "\(r.stderr)")
  }

  /// The whole chain: `garrison compile --format oci` pins the plan's BPF digest, and garrison-oci
  /// compiles linux.seccomp to exactly that program (RuntimeDefault).
  @Test func planPinnedDigestMatchesGarrisonOCI() throws {
    guard Harness.canRun else { return }
    let garrison = Harness.packageRoot + "/.build/debug/garrison"
    guard FileManager.default.isExecutableFile(atPath: garrison) else {
      print("SKIP planPinnedDigestMatchesGarrisonOCI: \(garrison) not built")
      return
    }
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let manifest = b.dir + "/pod.yaml"
    try """
      apiVersion: v1
      kind: Pod
      metadata: {name: pin, namespace: default, uid: 00000000-0000-0000-0000-00000000c9a2}
      spec:
        containers:
        - name: c
          image: busybox
          command: ["/bin/sh", "-c", "unshare -m true || echo denied"]
          securityContext: {runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false}
      """.write(toFile: manifest, atomically: true, encoding: .utf8)
    let out = b.dir + "/compiled"
    let compiled = try Harness.exec(garrison, ["compile", "--format", "oci", "-o", out, manifest])
    #expect(compiled.status == 0, "\(compiled.stdout) \(compiled.stderr)")
    let files = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".json") }
    let file = try #require(files.first, "no config written: \(compiled.stdout)")
    var spec = try BundleLoader.load(bundle: (out + "/" + file as NSString).deletingLastPathComponent)
    let pin = try #require(spec.annotations?[Self.key], "plan config carries no \(Self.key)")
    let bpf = try OCISeccompCompiler(log: { _ in }).compile(try #require(spec.linux?.seccomp))
    #expect(try SeccompDigestPin.digest(of: bpf) == pin)
    spec.root = .init(path: "rootfs", readonly: false)
    spec.linux!.cgroupsPath = nil
    let r = try b.run(spec)
    #expect(r.status == 0 && r.stdout.contains("denied"), "\(r.stdout) \(r.stderr)")
  }
}
