#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel

/// Writes `status.json` and `supervisor-state.json` without Codable: the JSON their synthesized `Encodable`
/// writes (the same keys, nil fields left out, times as `Timestamps` text), compact and with sorted keys
/// (`JSONValue`'s canonical form). The supervisor writes the status at every change and the state at every
/// handover to garrison-keeper, often as the first thing after a resume, in a fresh process where `JSONEncoder`
/// first builds the metadata of every type it meets. Read back by `JSONDecoder` and `SupervisorStateReader`;
/// `SupervisorStateReaderTests` check both read what was written.
enum SupervisorStateWriter {
  /// Writes `status` to `path` atomically (not fsync'd: `PodSupervisor.save`).
  static func write(_ status: PodStatus, to path: String) throws {
    try FileIO.replace(path, with: json(status).canonicalBytes + [10], mode: 0o644, durable: false)
  }

  /// Writes `state` to `path` atomically (not fsync'd: it does not outlive the pod's processes).
  static func write(_ state: SupervisorState, to path: String) throws {
    try FileIO.replace(path, with: json(state).canonicalBytes + [10], mode: 0o644, durable: false)
  }

  static func json(_ s: SupervisorState) -> JSONValue {
    var o: [String: JSONValue] = [
      "status": json(s.status),
      "running": .array(
        s.running.map { r -> JSONValue in
          [
            "name": .string(r.name), "pid": int(r.pid), "startedAt": .double(r.startedAt), "log": int(r.log),
            "stdout": int(r.stdout), "stderr": int(r.stderr),
          ]
        }),
      "notBefore": .object(s.notBefore.mapValues { .double($0) }),
      "backoffCount": .object(s.backoffCount.mapValues { .int(Int64($0)) }),
      "started": .strings(s.started), "noted": .strings(s.noted),
      "containerRun": .object(s.containerRun.mapValues { .int(Int64($0)) }),
      "volumeSources": .object(s.volumeSources.mapValues { .string($0) }),
    ]
    o["sandbox"] = s.sandbox.map(json)
    o["wake"] = s.wake.map(int)
    o["kmsg"] = s.kmsg.map(int)
    o["probing"] = s.probing.map { .object($0.mapValues(json)) }
    return .object(o)
  }

  static func json(_ s: PodStatus) -> JSONValue {
    var o: [String: JSONValue] = [
      "phase": .string(s.phase.rawValue), "containers": .array(s.containers.map(json)),
      "conditions": .array(
        s.conditions.map { c -> JSONValue in
          var o: [String: JSONValue] = [
            "type": .string(c.type), "status": .string(c.status), "lastTransitionTime": date(c.lastTransitionTime),
          ]
          o["reason"] = c.reason.map { .string($0) }
          o["message"] = c.message.map { .string($0) }
          return .object(o)
        }),
      "events": .array(
        s.events.map { e -> JSONValue in
          var o: [String: JSONValue] = [
            "time": date(e.time), "type": .string(e.type), "reason": .string(e.reason), "message": .string(e.message),
          ]
          o["count"] = e.count.map { .int(Int64($0)) }
          return .object(o)
        }),
      "mounts": .strings(s.mounts),
    ]
    o["reason"] = s.reason.map { .string($0) }
    o["message"] = s.message.map { .string($0) }
    o["podIP"] = s.podIP.map { .string($0) }
    o["hostIP"] = s.hostIP.map { .string($0) }
    o["hostVeth"] = s.hostVeth.map { .string($0) }
    o["supervisor"] = s.supervisor.map(json)
    o["sandbox"] = s.sandbox.map(json)
    o["startedAt"] = s.startedAt.map(date)
    o["cgroupParent"] = s.cgroupParent.map { .string($0) }
    o["deletionTimestamp"] = s.deletionTimestamp.map(date)
    o["deletionGracePeriodSeconds"] = s.deletionGracePeriodSeconds.map { .int($0) }
    o["tornDown"] = s.tornDown.map { .bool($0) }
    return .object(o)
  }

  static func json(_ c: ContainerStatus) -> JSONValue {
    var o: [String: JSONValue] = [
      "name": .string(c.name), "role": .string(c.role.rawValue), "state": json(c.state),
      "restartCount": .int(Int64(c.restartCount)), "runtimeID": .string(c.runtimeID), "ready": .bool(c.ready),
      "started": .bool(c.started),
    ]
    o["lastState"] = c.lastState.map(json)
    o["pid"] = c.pid.map(int)
    return .object(o)
  }

  static func json(_ s: ContainerStateInfo) -> JSONValue {
    var o: [String: JSONValue] = ["kind": .string(s.kind.rawValue)]
    o["reason"] = s.reason.map { .string($0) }
    o["message"] = s.message.map { .string($0) }
    o["exitCode"] = s.exitCode.map(int)
    o["signal"] = s.signal.map(int)
    o["startedAt"] = s.startedAt.map(date)
    o["finishedAt"] = s.finishedAt.map(date)
    return .object(o)
  }

  static func json(_ s: ProbeScheduler.Snapshot) -> JSONValue {
    [
      "startedAt": .double(s.startedAt), "started": .bool(s.started), "ready": .bool(s.ready), "killed": .bool(s.killed),
      "tracks": .object(
        s.tracks.mapValues { t -> JSONValue in
          ["nextDue": .double(t.nextDue), "successes": .int(Int64(t.successes)), "failures": .int(Int64(t.failures))]
        }),
    ]
  }

  static func json(_ p: ProcessRef) -> JSONValue {
    ["pid": int(p.pid), "startTime": .int(Int64(bitPattern: p.startTime))]
  }

  static func int(_ v: Int32) -> JSONValue { .int(Int64(v)) }

  static func date(_ d: Date) -> JSONValue { .string(Timestamps.format(d)) }
}
