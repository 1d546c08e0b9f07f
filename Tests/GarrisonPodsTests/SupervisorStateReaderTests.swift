import Foundation
import GarrisonCore
import GarrisonKernel
@testable import GarrisonSupervisor
import Testing

/// The supervisor reads `supervisor-state.json` at every resume with `SupervisorStateReader` (no Codable) and
/// falls back to `JSONDecoder` for what the reader is not sure about: both must give the same state. It writes that
/// file and status.json with `SupervisorStateWriter` (no Codable): the same JSON as `JSONEncoder`'s, read back equal.
struct SupervisorStateReaderTests {
  /// A state with every part set: containers in each state, conditions, events (one counted), probes, backoffs.
  static func richState() -> SupervisorState {
    let t = Date(timeIntervalSince1970: 1_765_164_000.123)
    var status = PodStatus(
      phase: .running,
      containers: [
        ContainerStatus(name: "init", role: .initContainer, runtimeID: "g-1-init"),
        ContainerStatus(name: "main", role: .app, runtimeID: "g-1-main"),
        ContainerStatus(name: "side", role: .app, runtimeID: "g-1-side"),
      ])
    status.containers[0].state = ContainerStateInfo(kind: .terminated, reason: "Completed", exitCode: 0, startedAt: t, finishedAt: t)
    status.containers[1].state = ContainerStateInfo(kind: .running, startedAt: t)
    status.containers[1].pid = 4242
    status.containers[1].ready = true
    status.containers[1].started = true
    status.containers[2].state = .waiting("CrashLoopBackOff", "back-off 10s restarting \"side\"")
    status.containers[2].lastState = ContainerStateInfo(
      kind: .terminated, reason: "Error", exitCode: 3, signal: nil, startedAt: t, finishedAt: t)
    status.containers[2].restartCount = 2
    status.reason = nil
    status.podIP = "10.88.0.7"
    status.hostVeth = "gveth1"
    status.supervisor = ProcessRef(pid: 100, startTime: 123_456)
    status.sandbox = ProcessRef(pid: 101, startTime: 123_457)
    status.startedAt = t
    status.conditions = [
      PodCondition(type: "Ready", status: "False", lastTransitionTime: t, reason: "ContainersNotReady", message: "side é \"x\""),
      PodCondition(type: "PodScheduled", status: "True", lastTransitionTime: t),
    ]
    var counted = PodEvent(time: t, type: "Warning", reason: "BackOff", message: "back-off")
    counted.count = 3
    status.events = [PodEvent(time: t, type: "Normal", reason: "Started", message: "started main"), counted]
    status.mounts = ["/var/tmp/x/volumes/m"]
    status.cgroupParent = "/garrison/1"
    return SupervisorState(
      status: status,
      running: [.init(name: "main", pid: 4242, startedAt: 1_765_164_000.5, log: 7, stdout: 8, stderr: -1)],
      notBefore: ["side": 1_765_164_010.25], backoffCount: ["side": 2], started: ["init", "main", "side"], noted: ["main"],
      containerRun: ["main": 1, "side": 3], sandbox: ProcessRef(pid: 101, startTime: 123_457),
      volumeSources: ["d": "/var/tmp/x/volumes/d"], wake: 3, kmsg: 6,
      probing: [
        "main": .init(
          startedAt: 1_765_164_000.5, started: true, ready: true, killed: false,
          tracks: ["Readiness": .init(nextDue: 1_765_164_002.75, successes: 1, failures: 0)])
      ])
  }

  func readBoth(_ state: SupervisorState) throws -> (reader: SupervisorState?, decoder: SupervisorState?) {
    let file = "/var/tmp/garrison-test-state-\(UInt32.random(in: 0..<UInt32.max)).json"
    defer { unlink(file) }
    try JSONFile.write(state, to: file, durable: false)
    let bytes = try FileIO.read(file)
    return (SupervisorStateReader.read(bytes), try JSONFile.read(SupervisorState.self, from: file))
  }

  @Test func theReaderAndJSONDecoderReadTheSameState() throws {
    let (reader, decoder) = try readBoth(Self.richState())
    let decoded = try #require(decoder)
    let read = try #require(reader, "the reader gave up on a state JSONDecoder reads")
    #expect(read == decoded)
    #expect(read == Self.richState())
  }

  /// The rich state with every optional part left out and nothing running.
  static func minimalState() -> SupervisorState {
    var state = richState()
    state.status = PodStatus(phase: .pending, containers: [])
    state.running = []
    state.sandbox = nil
    state.wake = nil
    state.kmsg = nil
    state.probing = nil
    return state
  }

  @Test func aMinimalStateIsReadTheSame() throws {
    let (reader, decoder) = try readBoth(Self.minimalState())
    #expect(reader != nil && reader == decoder)
  }

  /// The writer's JSON is `JSONEncoder`'s as a value (same keys, nil fields left out, same numbers and times),
  /// and both decoders read it back equal to what was written.
  @Test(arguments: [true, false])
  func theWriterWritesWhatJSONEncoderWrites(rich: Bool) throws {
    let state = rich ? Self.richState() : Self.minimalState()
    let dir = "/var/tmp/garrison-test-state-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try SupervisorStateWriter.write(state, to: dir + "/state.json")
    try JSONFile.write(state, to: dir + "/encoder.json", durable: false)
    try SupervisorStateWriter.write(state.status, to: dir + "/status.json")
    try JSONFile.write(state.status, to: dir + "/encoder-status.json", durable: false)
    for (mine, theirs) in [("state.json", "encoder.json"), ("status.json", "encoder-status.json")] {
      #expect(try JSONParser.parse(FileIO.read(dir + "/" + mine)) == JSONParser.parse(FileIO.read(dir + "/" + theirs)), "\(mine)")
    }
    #expect(try JSONFile.read(SupervisorState.self, from: dir + "/state.json") == state)
    #expect(SupervisorStateReader.read(try FileIO.read(dir + "/state.json")) == state)
    #expect(try JSONFile.read(PodStatus.self, from: dir + "/status.json") == state.status)
  }

  @Test func aDamagedStateIsLeftToJSONDecoder() throws {
    #expect(SupervisorStateReader.read(Array(#"{"status": {"phase": "Running"}}"#.utf8)) == nil)
    #expect(SupervisorStateReader.read(Array("not json".utf8)) == nil)
    var state = Self.richState()
    state.running[0].pid = 7
    let file = "/var/tmp/garrison-test-state-\(UInt32.random(in: 0..<UInt32.max)).json"
    defer { unlink(file) }
    try JSONFile.write(state, to: file, durable: false)
    let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "\"pid\" : 7", with: "\"pid\" : 7.5")
    #expect(SupervisorStateReader.read(Array(text.utf8)) == nil)
  }
}
