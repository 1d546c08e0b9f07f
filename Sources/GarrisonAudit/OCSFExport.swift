import GarrisonCore
/// Maps records to OCSF 1.1 events. Process lifecycle events become Process Activity (class 1007: Launch for
/// `container.started`/`container.exec`, Terminate for `container.exited`/`container.oom_killed`); every other kind
/// becomes a Base Event (class 0). Every record also carries its complete Garrison form under `unmapped.garrison`,
/// so nothing is lost in the mapping.
public enum OCSFExport {
  /// The OCSF object for one record.
  public static func event(_ r: AuditRecord) -> JSONValue {
    let launch: Set<AuditKind> = [.containerStarted, .containerExec]
    let terminate: Set<AuditKind> = [.containerExited, .containerOOMKilled]
    let isProcess = launch.contains(r.kind) || terminate.contains(r.kind)
    let activity: Int64 = launch.contains(r.kind) ? 1 : terminate.contains(r.kind) ? 2 : 0
    let classUID: Int64 = isProcess ? 1007 : 0
    let severity: Int64 = r.outcome == .allowed ? 1 : r.outcome == .denied ? 3 : 4
    let status: Int64 = r.outcome == .allowed ? 1 : 2
    var e: [String: JSONValue] = [
      "class_uid": .int(classUID), "class_name": .string(isProcess ? "Process Activity" : "Base Event"),
      "category_uid": .int(isProcess ? 1 : 0), "activity_id": .int(activity),
      "type_uid": .int(classUID * 100 + activity), "time": .int(r.time.totalNanoseconds / 1_000_000),
      "severity_id": .int(severity), "status_id": .int(status), "status": .string(r.outcome == .allowed ? "Success" : "Failure"),
      "message": .string("\(r.kind.rawValue) \(r.outcome.rawValue) \(r.object.podKey)" + (r.object.container.map { "/\($0)" } ?? "")),
      "metadata": [
        "version": "1.1.0", "uid": .string(String(r.seq)), "log_name": "garrison-audit",
        "product": ["name": "Garrison", "vendor_name": "Garrison"],
      ],
      "device": ["hostname": .string(r.host), "type_id": 0],
      "actor": [
        "process": ["pid": .integer(r.actor.pid), "cmd_line": .string(r.actor.commandLine.joined(separator: " "))],
        "user": ["uid": .string(String(r.actor.uid))],
      ],
      "unmapped": ["garrison": r.json],
    ]
    if isProcess {
      var process: [String: JSONValue] = [:]
      if let pid = r.details["pid"]?.intValue { process["pid"] = .int(pid) }
      if let cmd = r.details["command"]?.arrayValue { process["cmd_line"] = .string(cmd.compactMap(\.stringValue).joined(separator: " ")) }
      if let uid = r.details["uid"]?.intValue { process["user"] = ["uid": .string(String(uid))] }
      var container: [String: JSONValue] = [:]
      if let c = r.object.container { container["name"] = .string(c) }
      if let uid = r.object.podUID { container["pod_uuid"] = .string(uid) }
      process["container"] = .object(container)
      e["process"] = .object(process)
      if let code = r.details["exit_code"]?.intValue { e["exit_code"] = .int(code) }
    }
    return .object(e)
  }
}
