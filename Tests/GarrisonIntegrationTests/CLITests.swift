import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// The runc-compatible command line: `spec`, `features`, usage errors and exit codes.
struct CLITests {
  /// Skips a test, with the reason, when garrison-oci is not built.
  static let built = ConditionTrait.enabled(
    if: FileManager.default.isExecutableFile(atPath: Harness.ociBinary), Comment(rawValue: "\(Harness.ociBinary) not built"))

  @Test(CLITests.built) func specWritesTheRestrictedDefault() throws {
    let dir = "/var/tmp/garrison-cli-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try TestProcess.run(Harness.ociBinary, ["spec", "--bundle", dir])
    #expect(r.status == 0, "\(r.stderr)")
    let spec = try BundleLoader.load(bundle: dir)
    #expect(spec == DefaultSpec.make())
    #expect(spec.process?.noNewPrivileges == true && spec.root?.readonly == true)
    // A second spec refuses to overwrite.
    #expect(try TestProcess.run(Harness.ociBinary, ["spec", "--bundle", dir]).status == 2)
  }

  @Test(CLITests.built) func featuresReportsSeccompAndLSMs() throws {
    let r = try TestProcess.run(Harness.ociBinary, ["features"])
    #expect(r.status == 0)
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    let linux = doc?["linux"] as? [String: Any]
    #expect((linux?["seccomp"] as? [String: Any])?["enabled"] as? Bool == true)
    #expect((linux?["namespaces"] as? [String])?.contains("user") == true)
    #expect(linux?["apparmor"] != nil && linux?["selinux"] != nil)
    #expect(
      doc?["hooks"] as? [String] == [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart",
        "poststop",
      ])
  }

  @Test(
    CLITests.built,
    arguments: [
      (["state", "no-such-container"], Int32(2), "does not exist"),
      (
        ["--systemd-cgroup", "state", "x"], Int32(3),
        access("/run/systemd/system", F_OK) == 0 ? "configure the client for cgroupfs" : "systemd is not running on this host"
      ),
      (["kill", "x", "SIGBOGUS"], Int32(2), "unknown signal"),
      (["exec", "--tty", "--console-socket", "/tmp/s", "no-such-container", "sh"], Int32(2), "does not exist"),
      (["state", "../escape"], Int32(2), "invalid container id"),
    ]) func usageErrorsHaveDocumentedExitCodes(_ args: [String], _ status: Int32, _ text: String) throws
  {
    let root = "/var/tmp/garrison-cli-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let r = try TestProcess.run(Harness.ociBinary, ["--root", root] + args)
    #expect(r.status == status, "\(r.stderr)")
    #expect(r.stderr.contains(text), "\(r.stderr)")
  }

  @Test(CLITests.built) func jsonLogCarriesTheError() throws {
    let root = "/var/tmp/garrison-cli-\(UUID().uuidString.prefix(8))"
    defer {
      try? FileManager.default.removeItem(atPath: root)
      try? FileManager.default.removeItem(atPath: root + ".log")
    }
    _ = try TestProcess.run(Harness.ociBinary, ["--root", root, "--log", root + ".log", "--log-format", "json", "start", "x"])
    let line = try String(contentsOfFile: root + ".log", encoding: .utf8)
    let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
    #expect(obj?["level"] == "error" && obj?["msg"]?.contains("does not exist") == true, "\(line)")
  }
}
