import Foundation
import GarrisonCore
@testable import GarrisonAudit
import GarrisonTestSupport
import Testing

/// `Audit/schema/audit-event.schema.json` keeps up with `AuditKind`: every kind is in the enum and has its own
/// `details` clause, and records built with `AuditDetails` validate (here `hook.run`, which SampleEvents does not
/// generate).
@Suite struct SchemaCoverageTests {
  static var schemaPath: String { BuiltProducts.repositoryRoot + "/Audit/schema/audit-event.schema.json" }

  /// "ok" or "bad" for each record of the log, then for its first record with `field` removed (a record missing a
  /// field its kind's clause requires must fail, so the clause is really applied).
  static func verdicts(directory: String, alsoWithout field: String) throws -> [String] {
    var records: [String] = []
    try AuditReader.forEachRecord(directory: directory) {
      records.append($0.json.canonicalString); return true
    }
    records.append(records[0].replacingOccurrences(of: field, with: ""))
    return try JSONSchemaCheck.errors(documents: records, schema: schemaPath, formats: false).map { $0 == nil ? "ok" : "bad" }
  }

  @Test func everyKindIsInTheSchemaWithADetailsClause() throws {
    let data = try #require(FileManager.default.contents(atPath: Self.schemaPath))
    let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let kindEnum = ((schema["properties"] as? [String: Any])?["kind"] as? [String: Any])?["enum"] as? [String]
    #expect(Set(kindEnum ?? []) == Set(AuditKind.allCases.map(\.rawValue)))
    let clauses = (schema["allOf"] as? [[String: Any]] ?? []).compactMap {
      ((($0["if"] as? [String: Any])?["properties"] as? [String: Any])?["kind"] as? [String: Any])?["const"] as? String
    }
    #expect(Set(clauses) == Set(AuditKind.allCases.map(\.rawValue)), "kinds without a details clause")
  }

  @Test(HostTools.jsonSchema) func hookRunRecordsValidate() throws {
    let dir = TestSupport.scratch("hookrun")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir + "/audit", checkpointEvery: 0)
    let object = AuditObject(namespace: "ns", pod: "p", podUID: "u", container: "c")
    func run(_ exit: Int32?, _ signal: Int32?, _ timedOut: Bool, _ message: String?) -> AuditEvent {
      AuditEvent(
        kind: .hookRun, outcome: message == nil ? .allowed : .error, object: object,
        details: AuditDetails.hookRun(
          hook: "createRuntime", index: 2, path: "/usr/bin/hook", exitCode: exit,
          signal: signal, timedOut: timedOut, message: message,
          durationMicroseconds: 1234))
    }
    try log.append([
      run(0, nil, false, nil), run(3, nil, false, "createRuntime hook /usr/bin/hook exited with status 3"),
      run(nil, 9, false, "was killed by signal 9"), run(nil, nil, true, "timed out after 5 s (killed)"),
      run(nil, nil, false, "could not be started: ENOENT (No such file or directory)"),
    ])
    // A record whose details lack a field the schema requires must fail, so the clause is really applied.
    let verdicts = try Self.verdicts(directory: dir + "/audit", alsoWithout: "\"duration_us\":1234,")
    #expect(verdicts == ["ok", "ok", "ok", "ok", "ok", "bad"])
  }

  /// `probe.killed` records (liveness and startup) validate against the schema; one missing a field does not.
  @Test(HostTools.jsonSchema)
  func probeKilledRecordsValidate() throws {
    let dir = TestSupport.scratch("probekilled")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir + "/audit", checkpointEvery: 0)
    let object = AuditObject(namespace: "ns", pod: "p", podUID: "u", container: "c")
    try log.append([
      AuditEvent(
        kind: .probeKilled, outcome: .allowed, object: object,
        details: AuditDetails.probeKilled(
          probe: "Liveness", failures: 3, message: "HTTP probe failed with statuscode: 500", signal: "SIGTERM", graceSeconds: 30)),
      AuditEvent(
        kind: .probeKilled, outcome: .allowed, object: object,
        details: AuditDetails.probeKilled(
          probe: "Startup", failures: 30, message: "", signal: "SIGTERM", graceSeconds: 1.5)),
    ])
    let verdicts = try Self.verdicts(directory: dir + "/audit", alsoWithout: "\"failures\":3,")
    #expect(verdicts == ["ok", "ok", "bad"])
  }
}
