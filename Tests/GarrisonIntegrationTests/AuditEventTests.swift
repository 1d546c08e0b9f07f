import Foundation
import GarrisonTestSupport
import Testing

/// garrison-oci's audit events land in the log with the read-back details, and refusals are recorded.
@Suite(.serialized) struct OCIAuditEventTests {
  /// The audit records of a scratch root (JSON Lines frames: {"crc32","len","record"}).
  static func records(_ dir: String) throws -> [[String: Any]] {
    var out: [[String: Any]] = []
    for f in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() where f.hasSuffix(".jsonl") {
      for line in try String(contentsOfFile: dir + "/" + f, encoding: .utf8).split(separator: "\n") {
        let frame = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        if let r = frame?["record"] as? [String: Any] { out.append(r) }
      }
    }
    return out
  }

  @Test(Harness.containers) func startWritesReadbackAndRefusalWritesError() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    // A non-default --root keeps the audit log inside the scratch state directory.
    let ok = try b.run(RuntimeSpecFixtures.restricted(["/bin/true"]))
    #expect(ok.status == 0, "\(ok.stderr)")
    let bad = try b.oci(["run", "--bundle", b.dir + "/missing", "it-missing"])
    #expect(bad.status == 2)
    let records = try Self.records(b.stateRoot + "/audit")
    let readback = records.first { $0["kind"] as? String == "enforcement.readback" }
    #expect(readback?["outcome"] as? String == "allowed")
    let fields = ((readback?["details"] as? [String: Any])?["fields"] as? [[String: Any]]) ?? []
    let uid = fields.first { $0["field"] as? String == "Uid" }
    #expect(uid?["actual"] as? String == "1000 1000 1000 1000")
    #expect(fields.first { $0["field"] as? String == "NoNewPrivs" }?["actual"] as? String == "1")
    #expect(fields.first { $0["field"] as? String == "Seccomp" }?["actual"] as? String == "2")
    let refused = records.first { $0["kind"] as? String == "container.started" }
    #expect(refused?["outcome"] as? String == "error")
    #expect((refused?["object"] as? [String: Any])?["container"] as? String == "it-missing")
  }

  /// A foreground `run` writes the read-back event on another thread while the container runs. When that
  /// write fails, the container is killed (through a pidfd) and `run` fails: an unrecorded start never passes.
  /// The audit log is a full 4 KiB tmpfs, mounted in a private mount namespace of the run only.
  @Test(
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "/usr/bin/unshare (util-linux) missing"),
    Harness.containers) func anUnwritableAuditLogKillsARunningContainer() throws
  {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let full = b.dir + "-full-audit"
    try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: full) }
    try b.write(RuntimeSpecFixtures.restricted(["sleep", "30"]))
    let id = "it-audit-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let script = """
      mount -t tmpfs -o size=4k tmpfs "$1" && head -c 4096 /dev/zero > "$1/fill" || exit 99
      GARRISON_AUDIT_DIR="$1/audit" exec "$2" --root "$3" run --bundle "$4" "$5"
      """
    let started = Date()
    let result = try TestProcess.run(
      "/usr/bin/unshare",
      [
        "-m", "--propagation", "private", "/bin/sh", "-c", script,
        "sh", full, Harness.ociBinary, b.stateRoot, b.dir, id,
      ])
    #expect(result.status != 0 && result.status != 99, "\(result.stdout) \(result.stderr)")
    #expect(Date().timeIntervalSince(started) < 20, "the container was not killed")
    #expect(result.stderr.contains("No space left on device"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: b.stateRoot + "/" + id), "state left behind")
    let cgroups = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/pids")) ?? []
    #expect(!cgroups.contains("garrison-oci-" + id), "cgroup left behind")
  }
}
