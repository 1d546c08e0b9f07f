import Foundation
import GarrisonCore
import GarrisonKernel
@testable import GarrisonRuntime
import Testing

/// state.json and attestation.json are written without Codable: the record survives the round trip, damage is
/// named, and attestation.json still decodes with JSONDecoder into the same report.
@Suite struct StateFileTests {
  static let record = RuntimeContainerRecord(
    id: "c1", bundle: "/var/tmp/b", pid: 4242, startTime: UInt64.max - 1, started: true,
    created: "2026-11-27T05:00:00.000000001Z", annotations: ["io.kubernetes.pod.name": "web", "é": "\"q\"\n"],
    cgroups: CgroupPlacement(
      directories: ["/sys/fs/cgroup/pids/garrison-oci-c1"], path: "/garrison-oci-c1",
      createdParents: [], deviceEnforcement: "v1-devices"),
    initSpec: InitSpecWireTests.full, clamps: ["RLIMIT_NOFILE requested 1/2, applied 1/1"], initExe: "8:1")

  @Test func recordRoundTripsThroughStateJSON() throws {
    let parsed = try RuntimeContainerRecord(json: try JSONParser.parse(Self.record.json.canonicalBytes))
    #expect(parsed.json == Self.record.json)
    #expect(parsed.initSpec == Self.record.initSpec && parsed.startTime == Self.record.startTime)
    var bare = Self.record
    bare.annotations = nil
    bare.cgroups = nil
    bare.initExe = nil
    let parsedBare = try RuntimeContainerRecord(json: try JSONParser.parse(bare.json.canonicalBytes))
    #expect(parsedBare.annotations == nil && parsedBare.cgroups == nil && parsedBare.initExe == nil)
  }

  @Test func hooksRoundTripThroughStateJSON() throws {
    var record = Self.record
    record.initSpec = InitSpecWireTests.withHooks
    record.hooks = try OCIHooks(
      .init(
        prestart: [.init(path: "/p", args: ["p", "1"], env: ["A=b"], timeout: 3)], poststart: [],
        poststop: [.init(path: "/q"), .init(path: "/r", env: [])]))
    let parsed = try RuntimeContainerRecord(json: try JSONParser.parse(record.json.canonicalBytes))
    #expect(parsed.hooks == record.hooks && parsed.initSpec == record.initSpec)
    #expect(parsed.hooks?[.poststop] == [.init(path: "/q"), .init(path: "/r", env: [])])
    #expect(parsed.hooks?.lists[.poststart] == nil)  // empty lists are not kept
    guard case .object(var o) = record.json else { Issue.record("not an object"); return }
    o["hooks"] = ["poststop": [["path": "/q"]]]  // args missing
    #expect(throws: GarrisonError.self) { try RuntimeContainerRecord(json: .object(o)) }
    o["hooks"] = ["postmortem": []]
    #expect(throws: GarrisonError.self) { try RuntimeContainerRecord(json: .object(o)) }
  }

  @Test func damagedStateNamesTheField() throws {
    guard case .object(var o) = Self.record.json else { Issue.record("not an object"); return }
    o["pid"] = .string("x")
    #expect(throws: GarrisonError.self) { try RuntimeContainerRecord(json: .object(o)) }
    o = [:]
    do {
      _ = try RuntimeContainerRecord(json: .object(o))
      Issue.record("an empty object was accepted")
    } catch {
      #expect(error.description.contains("field id"), "\(error)")
    }
  }

  @Test func attestationJSONDecodesWithJSONDecoder() throws {
    var report = AttestationReport(
      containerID: "c1", pid: 7, uids: [1000, 1000, 1000, 1000], gids: [0, 0, 0, 0], groups: [10],
      capabilities: CapabilitySets(bounding: 1 << 40, effective: 0, permitted: 0, inheritable: 0, ambient: 0),
      noNewPrivs: 1, seccompMode: 2, lsmLabel: "garrison-default", mismatches: ["CapEff: x"], exitedEarly: false)
    report.lsmMode = "enforce"
    let decoded = try JSONDecoder().decode(AttestationReport.self, from: Data(report.json.canonicalBytes))
    #expect(decoded == report)
    var unlabelled = report
    unlabelled.lsmLabel = nil
    unlabelled.lsmMode = nil
    #expect(try JSONDecoder().decode(AttestationReport.self, from: Data(unlabelled.json.canonicalBytes)) == unlabelled)
  }
}
