import Foundation
import GarrisonKernel
import GarrisonOCI
import GarrisonRuntime
import Glibc
import GarrisonTestSupport
import Testing

/// Containers in a user namespace mapping 0 → 100000 (65536 ids): the container sees root, the host sees
/// 100000, and the container's root has no power over host-owned files.
@Suite(.serialized) struct UserNamespaceTests {
  static let hostBase: UInt32 = 100000

  /// Why user-namespace containers cannot run here, or nil.
  static var skipReason: String? {
    if let reason = Harness.skipReason { return reason }
    let max =
      (try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8))
      .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    return max == 0 ? "user namespaces are disabled (user.max_user_namespaces = 0)" : nil
  }

  /// Skips a test, with the reason, where user-namespace containers cannot run.
  static let userNamespaces = ConditionTrait.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? ""))

  /// A bundle whose rootfs belongs to the mapped root, and a host-owned file (root:root 0644) beside it.
  func bundle() throws -> (Harness.Bundle, String) {
    let b = try Harness.Bundle()
    let fm = FileManager.default
    try fm.createDirectory(atPath: b.rootfs + "/mnt", withIntermediateDirectories: true)
    lchown(b.rootfs, Self.hostBase, Self.hostBase)
    for case let entry as String in fm.enumerator(atPath: b.rootfs)! {
      guard lchown("\(b.rootfs)/\(entry)", Self.hostBase, Self.hostBase) == 0 else { throw POSIXError(.EPERM) }
    }
    let hostFile = b.dir + "/host-owned"
    try "host\n".write(toFile: hostFile, atomically: false, encoding: .utf8)
    chmod(hostFile, 0o644)
    return (b, hostFile)
  }

  /// The default spec plus CAP_DAC_OVERRIDE (so that without a user namespace root could write the host
  /// file), the host file bound read-write at /mnt/host-owned, and optionally the user namespace.
  func spec(_ args: [String], hostFile: String, userNamespace: Bool) -> RuntimeSpec {
    var s = DefaultSpec.make(args: args)
    let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_DAC_OVERRIDE"]
    s.process!.capabilities = .init(bounding: caps, effective: caps, permitted: caps)
    s.mounts!.append(.init(destination: "/mnt/host-owned", type: "bind", source: hostFile, options: ["rbind", "rw"]))
    s.linux!.seccomp = RuntimeSpecFixtures.runtimeDefaultLike
    if userNamespace {
      s.linux!.namespaces!.append(.init(type: "user"))
      s.linux!.uidMappings = [.init(containerID: 0, hostID: Self.hostBase, size: 65536)]
      s.linux!.gidMappings = [.init(containerID: 0, hostID: Self.hostBase, size: 65536)]
    }
    return s
  }

  static let script =
    "cat /proc/self/uid_map; echo uid=$(id -u) gid=$(id -g); "
    + "grep -E '^(Uid|Gid|CapEff):' /proc/self/status; (echo pwned >> /mnt/host-owned) 2>/dev/null; echo write=$?"

  @Test(UserNamespaceTests.userNamespaces) func containerSeesMappedRootAndCannotTouchHostFiles() throws {
    let (b, hostFile) = try bundle()
    defer { b.cleanup() }
    let r = try b.run(spec(["/bin/sh", "-c", Self.script], hostFile: hostFile, userNamespace: true))
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
    #expect(lines.contains("0 100000 65536"), "uid_map: \(r.stdout)")
    #expect(lines.contains("uid=0 gid=0"), "\(r.stdout)")
    #expect(Harness.field(r.stdout, "Uid") == "0\t0\t0\t0")
    #expect(Harness.field(r.stdout, "CapEff") == "0000000020000422")  // capabilities relative to the user ns
    let write = lines.first { $0.hasPrefix("write=") }
    #expect(write != nil && write != "write=0", "the mapped root wrote a host-owned file: \(r.stdout)")
    #expect(try String(contentsOfFile: hostFile, encoding: .utf8) == "host\n")

    // Control: the same container without the user namespace can write the file (CAP_DAC_OVERRIDE).
    let control = try b.run(spec(["/bin/sh", "-c", Self.script], hostFile: hostFile, userNamespace: false))
    #expect(control.status == 0, "stderr: \(control.stderr)")
    #expect(control.stdout.contains("write=0"), "\(control.stdout)")
  }

  @Test(UserNamespaceTests.userNamespaces) func hostSeesMappedIdsAndAttestationComparesThem() throws {
    let (b, hostFile) = try bundle()
    defer { b.cleanup() }
    var s = spec(["/bin/sleep", "30"], hostFile: hostFile, userNamespace: true)
    s.process!.user = .init(uid: 1000, gid: 1000, additionalGids: [1001])
    try b.write(s)
    let id = "it-userns-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let pidFile = b.dir + "/pid"
    let r = try b.oci(["run", "--detach", "--pid-file", pidFile, "--bundle", b.dir, id])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    guard r.status == 0 else { return }
    let pid = try String(contentsOfFile: pidFile, encoding: .utf8)
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    #expect(Harness.field(status, "Uid") == "101000\t101000\t101000\t101000")
    #expect(Harness.field(status, "Gid") == "101000\t101000\t101000\t101000")
    #expect(Harness.field(status, "Groups") == "101001")
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(b.stateRoot)/\(id)/attestation.json"))
    let report = try JSONDecoder().decode(AttestationReport.self, from: data)
    #expect(report.passed && !report.exitedEarly, "\(report.mismatches)")
    #expect(report.uids == [101000, 101000, 101000, 101000] && report.groups == [101001])
    let hostNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/user") != hostNS)

    // exec joins the container's user namespace and gets the same mapped credentials.
    let e = try b.oci(["exec", id, "/bin/sh", "-c", "cat /proc/self/uid_map; id -u; id -G"])
    #expect(e.status == 0, "stderr: \(e.stderr)")
    let lines = e.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
    #expect(lines == ["0 100000 65536", "1000", "1000 1001"], "\(e.stdout)")
  }

  @Test(UserNamespaceTests.userNamespaces) func terminalInsideAUserNamespace() throws {
    let (b, hostFile) = try bundle()
    defer { b.cleanup() }
    try FileManager.default.createSymbolicLink(atPath: "\(b.rootfs)/bin/tty", withDestinationPath: "busybox")
    var s = spec(
      ["/bin/sh", "-c", "tty; test -t 0 && echo stdin-is-tty; echo uid=$(id -u); ls -ln /dev/pts/0; echo end"],
      hostFile: hostFile, userNamespace: true)
    s.process!.terminal = true
    try b.write(s)
    guard let master = try ConsoleServer.createAndStart(b, id: "it-userns-tty-\(UUID().uuidString.prefix(8))") else { return }
    defer { close(master) }
    let out = ConsoleServer.read(master, until: "end")
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines.contains("/dev/pts/0") && lines.contains("stdin-is-tty") && lines.contains("uid=0"), "\(out)")
    // The slave belongs to the container's root (host 100000), shown as 0 inside.
    #expect(lines.contains { $0.hasPrefix("crw--w----") && $0.split(separator: " ").dropFirst(2).first == "0" }, "\(out)")
  }

  @Test(UserNamespaceTests.userNamespaces) func unmappedProcessUserIsRefused() throws {
    let (b, hostFile) = try bundle()
    defer { b.cleanup() }
    var s = spec(["/bin/true"], hostFile: hostFile, userNamespace: true)
    s.process!.user = .init(uid: 70000, gid: 0)
    let r = try b.run(s)
    #expect(r.status != 0)
    #expect(r.stderr.contains("process.user.uid") && r.stderr.contains("not mapped"), "stderr: \(r.stderr)")
  }

  /// Joining a user namespace by path (as a pod's containers join the sandbox's): the namespace's own maps are
  /// read from the kernel and used; the same maps in the config pass, other ones are refused by name.
  @Test(UserNamespaceTests.userNamespaces) func joinsAnExistingUserNamespaceByPath() throws {
    let (b, hostFile) = try bundle()
    defer { b.cleanup() }
    try b.write(spec(["/bin/sleep", "30"], hostFile: hostFile, userNamespace: true))
    let owner = "it-userns-owner"
    b.ids.append(owner)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, owner]).status == 0)
    let state = try JSONSerialization.jsonObject(with: Data(try b.oci(["state", owner]).stdout.utf8)) as? [String: Any]
    let pid = try #require(state?["pid"] as? Int)
    let ownerNamespace = try Kernel.readlink("/proc/\(pid)/ns/user")

    var joiner = spec(
      ["/bin/sh", "-c", "cat /proc/self/uid_map; readlink /proc/self/ns/user; id -u"], hostFile: hostFile,
      userNamespace: false)
    joiner.linux!.namespaces!.append(.init(type: "user", path: "/proc/\(pid)/ns/user"))
    let r = try b.run(joiner)
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
    #expect(lines == ["0 \(Self.hostBase) 65536", ownerNamespace, "0"], "\(r.stdout)")

    joiner.linux!.uidMappings = [.init(containerID: 0, hostID: Self.hostBase, size: 65536)]
    joiner.linux!.gidMappings = [.init(containerID: 0, hostID: Self.hostBase, size: 65536)]
    #expect(try b.run(joiner).status == 0, "the namespace's own maps, given again")
    joiner.linux!.uidMappings = [.init(containerID: 0, hostID: 200000, size: 65536)]
    let refused = try b.run(joiner)
    #expect(
      refused.status == 2 && refused.stderr.contains("linux.uidMappings") && refused.stderr.contains("differ"),
      "\(refused.stderr)")
    #expect(try b.oci(["delete", "--force", owner]).status == 0)
  }

  /// A user namespace only a bind mount keeps alive has no process to read its maps from: refused, naming the
  /// namespace's field. (The namespace comes from `unshare --user`; its process is gone once the namespace is
  /// bind-mounted onto a scratch file, which is unmounted afterwards.)
  @Test(UserNamespaceTests.userNamespaces) func aUserNamespaceNoProcessLivesInIsRefused() throws {
    let (b, hostFile) = try bundle()
    defer { b.cleanup() }
    let pinned = b.dir + "/userns"
    #expect(FileManager.default.createFile(atPath: pinned, contents: nil))
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    holder.arguments = ["--user", "--map-root-user", "/bin/sleep", "10"]
    try holder.run()
    usleep(200_000)  // unshare has made the namespace and exec'd sleep in the same process
    let bound = mount("/proc/\(holder.processIdentifier)/ns/user", pinned, nil, UInt(MS_BIND), nil) == 0
    kill(holder.processIdentifier, SIGKILL)  // by its own pid
    holder.waitUntilExit()
    #expect(bound, "bind-mount a user namespace: errno \(errno)")
    guard bound else { return }
    defer { umount2(pinned, Int32(MNT_DETACH)) }
    var s = spec(["/bin/true"], hostFile: hostFile, userNamespace: false)
    s.linux!.namespaces!.append(.init(type: "user", path: pinned))
    let r = try b.run(s)
    #expect(r.status == 3 && r.stderr.contains("no process lives in the user namespace"), "\(r.stderr)")
    #expect(r.stderr.contains("linux.namespaces[6].path"), "\(r.stderr)")
  }
}
