import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// garrison-oci compiles linux.seccomp with GarrisonSeccomp and, when the config pins the plan's BPF
/// digest (`dev.garrison.seccomp.bpf-digest`), refuses a program with another digest.
@Suite(.serialized, Harness.containers) struct SeccompDigestPinTests {
  static let key = GarrisonAnnotations.seccompBPFDigest

  static func pinnedSpec(_ args: [String]) throws -> RuntimeSpec {
    var spec = DefaultSpec.make(args: args)
    spec.linux!.seccomp = RuntimeSpecFixtures.runtimeDefaultLike
    let bpf = try OCISeccompCompiler(cacheDirectory: nil, log: { _ in }).compile(RuntimeSpecFixtures.runtimeDefaultLike)
    spec.annotations = [key: try SeccompDigestPin.digest(of: bpf)]
    return spec
  }

  @Test func matchingDigestRuns() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let r = try b.run(try Self.pinnedSpec(["sh", "-c", "unshare -m true || echo denied"]))
    #expect(r.status == 0 && r.stdout.contains("denied"), "\(r.stdout) \(r.stderr)")
  }

  /// A tampered annotation, tampered rules, or a removed profile: refused (exit 3) before anything exists.
  @Test(arguments: ["annotation", "rules", "defaultAction", "removed"])
  func mismatchRefused(_ tamper: String) throws {
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
    // .init-lower: the runtime's shared overlay scratch
    let states = ((try? FileManager.default.contentsOfDirectory(atPath: b.stateRoot)) ?? []).filter { $0 != "audit" && !$0.hasPrefix(".") }
    #expect(states.isEmpty, "state left: \(states)")
    #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/garrison-oci-\(id)"))
  }

  @Test func malformedPinIsInvalid() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = try Self.pinnedSpec(["true"])
    spec.annotations![Self.key] = "md5:1234"
    let r = try b.run(spec)
    #expect(r.status == 2 && r.stderr.contains("sha256:<64 hex digits>"), "\(r.stderr)")
  }

  /// runc compatibility: a syscall libseccomp does not know is skipped with a log line, the rest enforced.
  @Test func unknownSyscallSkippedWithLogLine() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["sh", "-c", "unshare -m true || echo denied"])
    var profile = RuntimeSpecFixtures.runtimeDefaultLike
    profile.syscalls![0].names.append("garrison_no_such_syscall")
    spec.linux!.seccomp = profile
    let r = try b.run(spec)
    #expect(r.status == 0 && r.stdout.contains("denied"), "\(r.stdout) \(r.stderr)")
    #expect(r.stderr.contains("skipping unknown syscall \"garrison_no_such_syscall\""), "\(r.stderr)")
  }

  /// The whole chain: `garrison compile --format oci` pins the plan's BPF digest, and garrison-oci
  /// compiles linux.seccomp to exactly that program (RuntimeDefault).
  static let garrison = BuiltProducts.path("garrison")

  @Test(HostTools.built("garrison"))
  func planPinnedDigestMatchesGarrisonOCI() throws {
    let garrison = Self.garrison
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
    let compiled = try TestProcess.run(garrison, ["compile", "--format", "oci", "-o", out, manifest])
    #expect(compiled.status == 0, "\(compiled.stdout) \(compiled.stderr)")
    let files = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".json") }
    let file = try #require(files.first, "no config written: \(compiled.stdout)")
    var spec = try BundleLoader.load(bundle: (out + "/" + file as NSString).deletingLastPathComponent)
    let pin = try #require(spec.annotations?[Self.key], "plan config carries no \(Self.key)")
    let bpf = try OCISeccompCompiler(cacheDirectory: nil, log: { _ in }).compile(try #require(spec.linux?.seccomp))
    #expect(try SeccompDigestPin.digest(of: bpf) == pin)
    spec.root = .init(path: "rootfs", readonly: false)
    spec.linux!.cgroupsPath = nil
    let r = try b.run(spec)
    #expect(r.status == 0 && r.stdout.contains("denied"), "\(r.stdout) \(r.stderr)")
  }

  /// A start compiles the profile once into the BPF cache and later starts load those bytes (proved by planting
  /// another valid program under the entry's name: an unpinned config runs with it); a config that pins the
  /// plan's digest refuses the planted bytes (exit 3); a cache others could write is not used at all.
  @Test func compiledProgramIsCachedReusedAndVerifiedAgainstThePin() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let pinned = try Self.pinnedSpec(["sh", "-c", "mkdir /dev/shm/probe && echo made || echo refused"])
    var unpinned = pinned
    unpinned.annotations = [:]
    let first = try b.run(unpinned)
    #expect(first.status == 0 && first.stdout.contains("made"), "\(first.stdout) \(first.stderr)")
    let entries = try FileManager.default.contentsOfDirectory(atPath: b.seccompCache).filter { $0.hasSuffix(".bpf") }
    #expect(entries.count == 1, "\(entries)")
    let entry = b.seccompCache + "/" + (try #require(entries.first))
    let mode = try #require(try FileManager.default.attributesOfItem(atPath: entry)[.posixPermissions] as? Int)
    #expect(mode == 0o600)
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: entry))
        == Data(try OCISeccompCompiler(cacheDirectory: nil, log: { _ in }).compile(RuntimeSpecFixtures.runtimeDefaultLike)))

    // Plant a program that denies mkdir: the unpinned start now cannot make a directory — it used the cache.
    var other = RuntimeSpecFixtures.runtimeDefaultLike
    other.syscalls = [.init(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1)]
    let planted = try OCISeccompCompiler(cacheDirectory: nil, log: { _ in }).compile(other)
    try Data(planted).write(to: URL(fileURLWithPath: entry))
    let reused = try b.run(unpinned)
    #expect(reused.status == 0 && reused.stdout.contains("refused"), "\(reused.stdout) \(reused.stderr)")

    // The pinned config computes the digest of what it would load and refuses it.
    let refused = try b.run(pinned)
    #expect(refused.status == 3 && refused.stderr.contains("the plan pinned"), "\(refused.stderr)")

    // A cache directory others can write is ignored (with a line saying so): the real profile is compiled.
    chmod(b.seccompCache, 0o777)
    let open = try b.run(unpinned)
    #expect(open.status == 0 && open.stdout.contains("made"), "\(open.stdout) \(open.stderr)")
    #expect(open.stderr.contains("BPF cache") && open.stderr.contains("not used"), "\(open.stderr)")
  }
}
