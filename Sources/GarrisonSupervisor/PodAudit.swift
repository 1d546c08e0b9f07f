#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonOCI

/// Writes the pod runner's audit events (`<root>/audit`, the hash-chained log of GarrisonAudit): pods admitted
/// and refused, host namespaces and hostPath mounts, containers started (with the credentials and confinement
/// the bundle asked for), exited and OOM-killed, and every runtime fallback (a default LSM profile removed
/// for crun).
public struct PodAudit: Sendable {
  public let log: AuditLog

  /// Opens (creating if needed) the audit log under the state root.
  public init(root: String) throws {
    log = try AuditLog(directory: AuditPaths.directory(root: root))
  }

  public static func object(_ r: PodRecord, _ container: String? = nil) -> AuditObject {
    AuditObject(namespace: r.namespace, pod: r.name, podUID: r.uid, container: container)
  }

  public static func object(namespace: String, name: String) -> AuditObject {
    AuditObject(namespace: namespace, pod: name)
  }

  public func append(_ events: [AuditEvent]) throws {
    guard !events.isEmpty else { return }
    _ = try log.append(events)
  }

  /// `pod.admitted`, plus `host.namespace` and `hostpath.mount` for what the pod shares with the host.
  public func admitted(_ r: PodRecord) throws { try append(Self.admittedEvents(r)) }

  /// The events of `admitted`, for a caller that appends several pods' events in one commit.
  public static func admittedEvents(_ r: PodRecord) -> [AuditEvent] {
    let digests = r.containers.map(\.planDigest).joined(separator: ",")
    var events = [
      AuditEvent(
        kind: .podAdmitted, outcome: .allowed, object: Self.object(r),
        details: AuditDetails.podAdmitted(planSHA256: digests, containers: r.containers.count))
    ]
    var host: [String] = []
    if r.namespaces.hostNetwork { host.append("network") }
    if r.namespaces.hostPID { host.append("pid") }
    if r.namespaces.hostIPC { host.append("ipc") }
    if !host.isEmpty {
      events.append(AuditEvent(kind: .hostNamespace, outcome: .allowed, object: Self.object(r), details: AuditDetails.hostNamespaces(host)))
    }
    for c in r.containers {
      for m in c.volumeMounts {
        guard let v = r.volumes.first(where: { $0.name == m.volume }), v.kind == .hostPath, let hp = v.hostPath else { continue }
        let source = m.subPath.map { hp + "/" + $0 } ?? hp
        events.append(
          AuditEvent(
            kind: .hostPathMount, outcome: .allowed, object: Self.object(r, c.name),
            details: AuditDetails.hostPathMount(hostPath: source, containerPath: m.mountPath, readOnly: m.readOnly)))
      }
    }
    return events
  }

  /// `pod.refused` with the reason (fit check, policy, hostile volume, unsupported kind).
  public func refused(namespace: String, name: String, error: GarrisonError) throws {
    try append([Self.refusedEvent(namespace: namespace, name: name, error: error)])
  }

  /// The event of `refused`.
  public static func refusedEvent(namespace: String, name: String, error: GarrisonError) -> AuditEvent {
    let check = error.fieldPath.map(\.description) ?? error.operation
    return AuditEvent(
      kind: .podRefused, outcome: .denied, object: Self.object(namespace: namespace, name: name),
      details: AuditDetails.podRefused(checks: [(id: check.isEmpty ? error.code.rawValue : check, message: error.message)]))
  }

  /// `container.started` with what the bundle's config asks the runtime to apply.
  public func started(_ r: PodRecord, _ c: ContainerRecord, spec: RuntimeSpec, pid: Int32, seccompProfile: String?) throws {
    try append([Self.startedEvent(r, c, spec: spec, pid: pid, seccompProfile: seccompProfile)])
  }

  /// The event of `started`, for a caller that appends several containers' starts in one commit.
  public static func startedEvent(_ r: PodRecord, _ c: ContainerRecord, spec: RuntimeSpec, pid: Int32, seccompProfile: String?)
    -> AuditEvent
  {
    let p = spec.process
    let caps = p?.capabilities
    var sets: [String: [String]] = [:]
    sets["bounding"] = caps?.bounding ?? []
    sets["effective"] = caps?.effective ?? []
    sets["permitted"] = caps?.permitted ?? []
    sets["inheritable"] = caps?.inheritable ?? []
    sets["ambient"] = caps?.ambient ?? []
    let details = AuditDetails.ContainerStarted(
      uid: p?.user.uid ?? 0, gid: p?.user.gid ?? 0, groups: p?.user.additionalGids ?? [], capabilities: sets,
      noNewPrivs: p?.noNewPrivileges ?? false, seccompProfile: spec.linux?.seccomp == nil ? nil : seccompProfile,
      seccompHash: nil, apparmorProfile: p?.apparmorProfile, selinuxLabel: p?.selinuxLabel,
      maskedPaths: spec.linux?.maskedPaths?.count ?? 0, privileged: c.privileged, pid: pid)
    return AuditEvent(kind: .containerStarted, outcome: .allowed, object: Self.object(r, c.name), details: details.json)
  }

  /// `container.exited`, and `container.oom_killed` when the memory cgroup counted OOM kills.
  public func exited(_ r: PodRecord, _ c: String, status: ExitStatus, oomKills: UInt64?, cgroup: String) throws {
    try append(Self.exitedEvents(r, c, status: status, oomKills: oomKills, cgroup: cgroup))
  }

  /// The events of `exited`.
  public static func exitedEvents(_ r: PodRecord, _ c: String, status: ExitStatus, oomKills: UInt64?, cgroup: String)
    -> [AuditEvent]
  {
    var code: Int32?
    var signal: Int32?
    switch status {
    case .exited(let e): code = e
    case .signaled(let s): signal = s
    }
    var events = [
      AuditEvent(
        kind: .containerExited, outcome: code == 0 ? .allowed : .error, object: Self.object(r, c),
        details: AuditDetails.containerExited(exitCode: code, signal: signal))
    ]
    if let n = oomKills, n > 0 {
      events.append(
        AuditEvent(
          kind: .containerOOMKilled, outcome: .error, object: Self.object(r, c),
          details: AuditDetails.oomKilled(cgroup: cgroup, previous: 0, current: Int64(n))))
    }
    return events
  }

  /// `lsm.profile_loaded`: Garrison's RuntimeDefault AppArmor profile loaded into the kernel for this pod.
  public func profileLoaded(_ r: PodRecord, mechanism: String, profile: String, sha256: String) throws {
    try append([
      AuditEvent(
        kind: .lsmProfileLoaded, outcome: .allowed, object: Self.object(r),
        details: AuditDetails.profileLoaded(mechanism: mechanism, profile: profile, sha256: sha256))
    ])
  }

  /// `enforcement.fallback`: a setting the runtime could not take and that Garrison removed.
  /// `probe.killed`: the supervisor is killing a container whose liveness or startup probe failed.
  public func probeKilled(_ r: PodRecord, _ c: String, probe: ProbeKind, failures: Int, message: String, grace: Double) throws {
    try append([
      AuditEvent(
        kind: .probeKilled, outcome: .allowed, object: Self.object(r, c),
        details: AuditDetails.probeKilled(
          probe: probe.rawValue, failures: failures, message: message,
          signal: "SIGTERM", graceSeconds: grace))
    ])
  }

  /// `supervisor.state_rebuilt`: the supervisor's state file could not be read at a resume; the state was rebuilt.
  public func stateRebuilt(_ r: PodRecord, reason: String, containers: [String]) throws {
    try append([
      AuditEvent(
        kind: .supervisorStateRebuilt, outcome: .error, object: Self.object(r),
        details: AuditDetails.stateRebuilt(reason: reason, containers: containers))
    ])
  }

  public func fallback(_ r: PodRecord, _ c: String, mechanism: String, requested: String, reason: String) throws {
    try append([
      AuditEvent(
        kind: .enforcementFallback, outcome: .allowed, object: Self.object(r, c),
        details: AuditDetails.fallback(mechanism: mechanism, requested: requested, applied: "none", reason: reason))
    ])
  }
}
