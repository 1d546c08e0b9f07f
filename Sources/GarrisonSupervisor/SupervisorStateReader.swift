#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import GarrisonPlan

/// Reads `supervisor-state.json` into a `SupervisorState` from a parsed `JSONValue`, without Codable, as
/// `PodRecordReader` reads the record: the supervisor reads it at every resume from garrison-keeper (every exit,
/// probe period and delete), in a fresh process where `JSONDecoder` first builds the metadata of every type it
/// meets. Strict in the same way: anything it is not sure about makes it return nil and the caller decodes with
/// `JSONDecoder`, which agrees or names the error. `SupervisorStateReaderTests` check both decoders agree.
enum SupervisorStateReader {
  static func read(_ bytes: [UInt8]) -> SupervisorState? {
    guard let json = try? JSONParser.parse(bytes) else { return nil }
    return try? state(JSONFields(json))
  }

  typealias Unsure = JSONFields.Unsure
  typealias Obj = JSONFields

  static func required<T>(_ v: T?) throws(Unsure) -> T { try JSONFields.required(v) }

  static func state(_ o: Obj) throws(Unsure) -> SupervisorState {
    var running: [SupervisorState.RunningContainer] = []
    for r in try required(o.objects("running")) {
      running.append(
        .init(
          name: try required(r.str("name")), pid: try int32(r, "pid"), startedAt: try required(r.double("startedAt")),
          log: try int32(r, "log"), stdout: try int32(r, "stdout"), stderr: try int32(r, "stderr")))
    }
    var probing: [String: ProbeScheduler.Snapshot]?
    if let p = try o.object("probing") {
      probing = [:]
      for (name, value) in p.fields { probing?[name] = try snapshot(JSONFields(value)) }
    }
    return SupervisorState(
      status: try status(required(o.object("status"))), running: running, notBefore: try doubles(required(o.object("notBefore"))),
      backoffCount: try ints(required(o.object("backoffCount"))), started: try required(o.strings("started")),
      noted: try required(o.strings("noted")), containerRun: try ints(required(o.object("containerRun"))),
      sandbox: try o.object("sandbox").map(process), volumeSources: try required(o.stringMap("volumeSources")),
      wake: try o.value("wake").map { _ throws(Unsure) in try int32(o, "wake") },
      kmsg: try o.value("kmsg").map { _ throws(Unsure) in try int32(o, "kmsg") }, probing: probing)
  }

  static func status(_ o: Obj) throws(Unsure) -> PodStatus {
    guard let phase = PodPhase(rawValue: try required(o.str("phase"))) else { throw Unsure() }
    var containers: [ContainerStatus] = []
    for c in try required(o.objects("containers")) { containers.append(try container(c)) }
    var s = PodStatus(phase: phase, containers: containers)
    s.reason = try o.str("reason")
    s.message = try o.str("message")
    s.podIP = try o.str("podIP")
    s.hostIP = try o.str("hostIP")
    s.hostVeth = try o.str("hostVeth")
    s.supervisor = try o.object("supervisor").map(process)
    s.sandbox = try o.object("sandbox").map(process)
    s.startedAt = try date(o, "startedAt")
    for c in try o.objects("conditions") ?? [] {
      s.conditions.append(
        PodCondition(
          type: try required(c.str("type")), status: try required(c.str("status")),
          lastTransitionTime: try required(date(c, "lastTransitionTime")), reason: try c.str("reason"), message: try c.str("message")))
    }
    for e in try required(o.objects("events")) {
      var event = PodEvent(
        time: try required(date(e, "time")), type: try required(e.str("type")), reason: try required(e.str("reason")),
        message: try required(e.str("message")))
      event.count = try e.int("count")
      s.events.append(event)
    }
    s.mounts = try required(o.strings("mounts"))
    s.cgroupParent = try o.str("cgroupParent")
    s.deletionTimestamp = try date(o, "deletionTimestamp")
    s.deletionGracePeriodSeconds = try o.int64("deletionGracePeriodSeconds")
    s.tornDown = try o.bool("tornDown")
    return s
  }

  static func container(_ o: Obj) throws(Unsure) -> ContainerStatus {
    guard let role = ContainerRole(rawValue: try required(o.str("role"))) else { throw Unsure() }
    var c = ContainerStatus(name: try required(o.str("name")), role: role, runtimeID: try required(o.str("runtimeID")))
    c.state = try state(required(o.object("state")))
    c.lastState = try o.object("lastState").map(state)
    c.restartCount = try required(o.int("restartCount"))
    c.pid = try o.value("pid").map { _ throws(Unsure) in try int32(o, "pid") }
    // As the Codable decoder: a status written before readiness was stored: running meant ready.
    c.ready = try o.bool("ready") ?? (c.state.kind == .running)
    c.started = try o.bool("started") ?? (c.state.kind == .running)
    return c
  }

  static func state(_ o: Obj) throws(Unsure) -> ContainerStateInfo {
    guard let kind = ContainerStateInfo.Kind(rawValue: try required(o.str("kind"))) else { throw Unsure() }
    return ContainerStateInfo(
      kind: kind, reason: try o.str("reason"), message: try o.str("message"),
      exitCode: try o.value("exitCode").map { _ throws(Unsure) in try int32(o, "exitCode") },
      signal: try o.value("signal").map { _ throws(Unsure) in try int32(o, "signal") }, startedAt: try date(o, "startedAt"),
      finishedAt: try date(o, "finishedAt"))
  }

  static func snapshot(_ o: Obj) throws(Unsure) -> ProbeScheduler.Snapshot {
    var tracks: [String: ProbeScheduler.Snapshot.TrackState] = [:]
    for (kind, value) in try required(o.object("tracks")).fields {
      let t = try JSONFields(value)
      tracks[kind] = .init(
        nextDue: try required(t.double("nextDue")), successes: try required(t.int("successes")), failures: try required(t.int("failures")))
    }
    return ProbeScheduler.Snapshot(
      startedAt: try required(o.double("startedAt")), started: try required(o.bool("started")), ready: try required(o.bool("ready")),
      killed: try required(o.bool("killed")), tracks: tracks)
  }

  static func process(_ o: Obj) throws(Unsure) -> ProcessRef {
    ProcessRef(pid: try int32(o, "pid"), startTime: try required(o.uint64("startTime")))
  }

  static func int32(_ o: Obj, _ k: String) throws(Unsure) -> Int32 {
    guard let v = Int32(exactly: try required(o.int64(k))) else { throw Unsure() }
    return v
  }

  /// A time as `JSONFile` writes it (RFC 3339, `Timestamps`); nil when absent.
  static func date(_ o: Obj, _ k: String) throws(Unsure) -> Date? {
    guard let text = try o.str(k) else { return nil }
    guard let d = Timestamps.parse(text) else { throw Unsure() }
    return d
  }

  static func doubles(_ o: Obj) throws(Unsure) -> [String: Double] {
    var out: [String: Double] = [:]
    for k in o.fields.keys { out[k] = try required(o.double(k)) }
    return out
  }

  static func ints(_ o: Obj) throws(Unsure) -> [String: Int] {
    var out: [String: Int] = [:]
    for k in o.fields.keys { out[k] = try required(o.int(k)) }
    return out
  }
}
