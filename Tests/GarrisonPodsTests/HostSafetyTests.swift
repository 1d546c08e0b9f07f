import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonManifest
import GarrisonPods
import Testing

/// Issue 13's host-side defects in the pod runner, each from its description: the hostile value is refused or
/// contained, and the canary outside the scratch directory is untouched.
@Suite(.serialized) struct HostSafetyTests {
  func scratch() throws -> String {
    let dir = "/var/tmp/garrison-hostsafety-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    return dir
  }

  /// `secret.secretName: ../../victim/secret/dbpass` used to read another namespace's Secret.
  @Test func objectNamesCannotClimbIntoAnotherNamespace() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = ObjectStore(root: dir)
    let secret = ManifestLoader.parse(
      text: """
        apiVersion: v1
        kind: Secret
        metadata: {name: dbpass, namespace: victim}
        stringData: {password: hunter2}
        """, file: "secret.yaml"
    ).objects
    #expect(try store.save(try #require(secret.first)) == "created")
    #expect(try store.load(kind: "Secret", namespace: "victim", name: "dbpass") != nil)
    for name in ["../../victim/secret/dbpass", "../victim", "a/b", "..", "dbpass\u{0}", ""] {
      let e = #expect(throws: GarrisonError.self) { try store.load(kind: "Secret", namespace: "attacker", name: name) }
      #expect(e?.code == .refused)
    }
    #expect(throws: GarrisonError.self) { try store.load(kind: "Secret", namespace: "../victim", name: "dbpass") }
    #expect(store.delete(kind: "Secret", namespace: "attacker", name: "../../victim/secret/dbpass") == false)
    #expect(try store.load(kind: "Secret", namespace: "victim", name: "dbpass") != nil)
    // Secrets are kept owner-only.
    var st = stat()
    #expect(stat(dir + "/objects", &st) == 0 && st.st_mode & 0o077 == 0)
  }

  /// An image whose /etc/passwd is a FIFO hung `apply` forever (opened before its type was checked); a device
  /// node there was opened on the host. Now both are refused at once.
  @Test func imagePasswdThatIsNotAFileIsRefusedWithoutOpeningIt() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/layer/etc", withIntermediateDirectories: true)
    #expect(mkfifo(dir + "/layer/etc/passwd", 0o644) == 0)
    let e = #expect(throws: GarrisonError.self) { try ImageUser.resolve("app", lowerdirs: [dir + "/layer"], field: "f") }
    #expect(e?.message.contains("not a regular file") == true)
    // A symlink to a host device resolves inside the layer (RESOLVE_IN_ROOT), so it finds nothing there.
    try FileManager.default.removeItem(atPath: dir + "/layer/etc/passwd")
    try FileManager.default.createSymbolicLink(atPath: dir + "/layer/etc/passwd", withDestinationPath: "/dev/zero")
    #expect(throws: GarrisonError.self) { try ImageUser.resolve("app", lowerdirs: [dir + "/layer"], field: "f") }
  }

  /// The `-F/some/host/file` hostname reached `hostname(1)` on the host as an option. It is now set with
  /// sethostname(2) from a thread inside the sandbox's UTS namespace: the text is a name, never an option.
  @Test(.enabled(if: geteuid() == 0, "creating a sandbox's namespaces needs root"))
  func hostnameIsSetWithoutAHostTool() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let canary = dir + "/canary"
    try "first line\n".write(toFile: canary, atomically: true, encoding: .utf8)
    let box = try Sandbox.start(SandboxNamespaces(hostNetwork: false, hostIPC: false, hostPID: true, sharePID: false))
    defer { kill(box.process.pid, SIGKILL) }
    let hostile = "-F\(canary)"
    try box.setHostname(hostile)
    let seen = try NamespaceThread.run(joining: [.init(path: box.path("uts"), type: LinuxConstants.CLONE_NEWUTS)]) {
      try Kernel.hostname()
    }
    #expect(seen == hostile)
    #expect(try Kernel.hostname() != hostile)  // the host's own name is untouched
    #expect(throws: GarrisonError.self) { try box.setHostname("a\u{0}b") }
    #expect(throws: GarrisonError.self) { try box.setHostname(String(repeating: "h", count: 65)) }
  }

  @Test(arguments: ["-F/etc/shadow", "../../etc", "", "bridge-with-a-long-name", "br0:1", "br 0", "br\u{0}"])
  func bridgeNamesAreInterfaceNames(name: String) {
    #expect(throws: GarrisonError.self) { try NetworkConfig.validateBridge(name) }
  }

  @Test func ordinaryBridgeNamesAreAccepted() throws {
    for name in ["garrison0", "br-test", "cni0", "a", "docker_gwbridge"] { try NetworkConfig.validateBridge(name) }
  }
}
