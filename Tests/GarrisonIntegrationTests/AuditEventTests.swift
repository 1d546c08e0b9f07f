import Foundation
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

  @Test func startWritesReadbackAndRefusalWritesError() throws {
    guard Harness.canRun else { return }
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    // A non-default --root keeps the audit log inside the scratch state directory.
    let ok = try b.run(Harness.restricted(["/bin/true"]))
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
}
