import GarrisonCore
/// Typed builders for the details of each event kind, matching `Audit/schema/audit-event.schema.json`.
/// Callers should prefer these to hand-built `JSONValue`s so the field names stay consistent.
public enum AuditDetails {
  /// The process credentials and confinement of a started container (`container.started`).
  public struct ContainerStarted: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
    /// Capability sets by name: effective, permitted, inheritable, bounding, ambient.
    public var capabilities: [String: [String]]
    public var noNewPrivs: Bool
    /// Seccomp profile name (nil = unconfined) and the SHA-256 of the loaded BPF program.
    public var seccompProfile: String?
    public var seccompHash: String?
    public var apparmorProfile: String?
    public var selinuxLabel: String?
    public var maskedPaths: Int
    public var privileged: Bool
    public var pid: Int32?

    public init(
      uid: UInt32, gid: UInt32, groups: [UInt32] = [], capabilities: [String: [String]] = [:],
      noNewPrivs: Bool, seccompProfile: String?, seccompHash: String?, apparmorProfile: String?,
      selinuxLabel: String?, maskedPaths: Int, privileged: Bool, pid: Int32? = nil
    ) {
      self.uid = uid; self.gid = gid; self.groups = groups; self.capabilities = capabilities
      self.noNewPrivs = noNewPrivs; self.seccompProfile = seccompProfile; self.seccompHash = seccompHash
      self.apparmorProfile = apparmorProfile; self.selinuxLabel = selinuxLabel
      self.maskedPaths = maskedPaths; self.privileged = privileged; self.pid = pid
    }

    public var json: JSONValue {
      [
        "uid": .integer(uid), "gid": .integer(gid), "groups": .array(groups.map { .integer($0) }),
        "capabilities": .object(capabilities.mapValues { .strings($0) }),
        "no_new_privs": .bool(noNewPrivs), "seccomp_profile": .optional(seccompProfile),
        "seccomp_sha256": .optional(seccompHash), "apparmor_profile": .optional(apparmorProfile),
        "selinux_label": .optional(selinuxLabel), "masked_paths": .integer(maskedPaths),
        "privileged": .bool(privileged), "pid": pid.map { .integer($0) } ?? .null,
      ]
    }
  }

  /// One field compared after enforcement (`enforcement.readback`).
  public struct ReadbackField: Sendable, Hashable {
    public var field: String
    public var expected: String
    public var actual: String
    public init(field: String, expected: String, actual: String) {
      self.field = field; self.expected = expected; self.actual = actual
    }
    public var json: JSONValue {
      [
        "field": .string(field), "expected": .string(expected), "actual": .string(actual),
        "match": .bool(expected == actual),
      ]
    }
  }

  /// `pod.refused`: the failing checks (id and message each).
  public static func podRefused(checks: [(id: String, message: String)]) -> JSONValue {
    ["failed_checks": .array(checks.map { ["id": .string($0.id), "message": .string($0.message)] })]
  }

  /// `pod.admitted`: the enforcement plan hash and the number of containers.
  public static func podAdmitted(planSHA256: String, containers: Int) -> JSONValue {
    ["plan_sha256": .string(planSHA256), "containers": .integer(containers)]
  }

  /// `container.exec`: the command run and the uid it runs as.
  public static func containerExec(command: [String], uid: UInt32, tty: Bool, pid: Int32? = nil) -> JSONValue {
    ["command": .strings(command), "uid": .integer(uid), "tty": .bool(tty), "pid": pid.map { .integer($0) } ?? .null]
  }

  /// `exec.started` (`garrison exec`): what runs, how, and the container's plan it runs under (its credentials;
  /// the runtime's `enforcement.readback` for the exec'd process follows in the same log). A refused exec is
  /// this event with outcome `denied` and a `reason`.
  public static func execStarted(
    command: [String], tty: Bool, stdin: Bool, uid: UInt32, gid: UInt32, groups: [UInt32],
    planSHA256: String, reason: String? = nil
  ) -> JSONValue {
    [
      "command": .strings(command), "tty": .bool(tty), "stdin": .bool(stdin), "uid": .integer(uid), "gid": .integer(gid),
      "groups": .array(groups.map { .integer($0) }), "plan_sha256": .string(planSHA256),
      "reason": reason.map { .string($0) } ?? .null,
    ]
  }

  /// `exec.ended`: how the exec'd command ended and how long it ran.
  public static func execEnded(command: [String], exitCode: Int32?, signal: Int32?, durationMicroseconds: Int64) -> JSONValue {
    [
      "command": .strings(command), "exit_code": exitCode.map { .integer($0) } ?? .null,
      "signal": signal.map { .integer($0) } ?? .null, "duration_us": .integer(durationMicroseconds),
    ]
  }

  /// `portforward.opened` / `portforward.closed`: a local address relayed to a pod port, and (when closed) the
  /// bytes carried each way.
  public static func portForward(
    localAddress: String, localPort: Int, podPort: Int, connections: Int? = nil,
    bytesToPod: Int64? = nil, bytesFromPod: Int64? = nil
  ) -> JSONValue {
    [
      "local_address": .string(localAddress), "local_port": .integer(localPort), "pod_port": .integer(podPort),
      "connections": connections.map { .integer($0) } ?? .null,
      "bytes_to_pod": bytesToPod.map { .integer($0) } ?? .null, "bytes_from_pod": bytesFromPod.map { .integer($0) } ?? .null,
    ]
  }

  /// `probe.killed`: which probe failed (`Liveness`, `Startup`), how many times in a row, its last message, and
  /// the signal sent first with the grace period before SIGKILL.
  public static func probeKilled(probe: String, failures: Int, message: String, signal: String, graceSeconds: Double) -> JSONValue {
    [
      "probe": .string(probe), "failures": .integer(failures), "message": .string(message), "signal": .string(signal),
      "grace_seconds": .double(graceSeconds),
    ]
  }

  /// `workload.scaled`: a Deployment, ReplicaSet or Job's replicas changed (`apply`, `scale`).
  public static func workloadScaled(workload: String, from: Int, to: Int, by: String) -> JSONValue {
    ["workload": .string(workload), "from": .integer(from), "to": .integer(to), "by": .string(by)]
  }

  /// `workload.rollout_started` / `workload.rollout_completed`: a Deployment's rollout to a revision (its
  /// ReplicaSet and pod-template-hash), and the strategy.
  public static func rollout(workload: String, revision: Int, replicaSet: String, templateHash: String, strategy: String) -> JSONValue {
    [
      "workload": .string(workload), "revision": .integer(revision), "replicaset": .string(replicaSet),
      "template_hash": .string(templateHash), "strategy": .string(strategy),
    ]
  }

  /// `pod.replaced`: a controller's pod stopped counting (deleted, failed, supervisor lost) and is replaced.
  public static func podReplaced(workload: String, reason: String) -> JSONValue {
    ["workload": .string(workload), "reason": .string(reason)]
  }

  /// `supervisor.state_rebuilt`: why the supervisor's state file could not be used at a resume, and the running
  /// containers it adopted from the status and the logs handed back.
  public static func stateRebuilt(reason: String, containers: [String]) -> JSONValue {
    ["reason": .string(reason), "containers": .strings(containers)]
  }

  /// `admission.decision` (`garrison admission serve`): one AdmissionReview answered.
  public static func admissionDecision(
    uid: String, kind: String, operation: String, user: String, allowed: Bool,
    enforcePolicy: String?, violations: [String], warnings: Int, exemptReason: String?
  ) -> JSONValue {
    [
      "uid": .string(uid), "kind": .string(kind), "operation": .string(operation), "user": .string(user),
      "allowed": .bool(allowed), "enforce_policy": enforcePolicy.map { .string($0) } ?? .null,
      "violations": .strings(violations), "warnings": .integer(warnings), "exempt": exemptReason.map { .string($0) } ?? .null,
    ]
  }

  /// `capability.beyond_default`: capabilities granted beyond the runtime default set.
  public static func capabilitiesBeyondDefault(_ caps: [String]) -> JSONValue { ["capabilities": .strings(caps)] }

  /// `privileged.container`: why the container counts as privileged.
  public static func privileged(reason: String) -> JSONValue { ["reason": .string(reason)] }

  /// `host.namespace`: which host namespaces are shared (network, pid, ipc, uts).
  public static func hostNamespaces(_ namespaces: [String]) -> JSONValue { ["namespaces": .strings(namespaces)] }

  /// `hostpath.mount`: a host path mounted into a container.
  public static func hostPathMount(hostPath: String, containerPath: String, readOnly: Bool) -> JSONValue {
    ["host_path": .string(hostPath), "container_path": .string(containerPath), "read_only": .bool(readOnly)]
  }

  /// `enforcement.readback`: each compared field; outcome should be `.allowed` when all match.
  public static func readback(_ fields: [ReadbackField]) -> JSONValue {
    ["fields": .array(fields.map(\.json)), "mismatches": .integer(fields.filter { $0.expected != $0.actual }.count)]
  }

  /// `lsm.profile_loaded`: a profile of Garrison's own loaded into the kernel before a container used it.
  public static func profileLoaded(mechanism: String, profile: String, sha256: String) -> JSONValue {
    ["mechanism": .string(mechanism), "profile": .string(profile), "sha256": .string(sha256)]
  }

  /// `lsm.unavailable` / `enforcement.fallback`: what was requested, what was applied instead, and why.
  public static func fallback(mechanism: String, requested: String, applied: String, reason: String) -> JSONValue {
    [
      "mechanism": .string(mechanism), "requested": .string(requested), "applied": .string(applied),
      "reason": .string(reason),
    ]
  }

  /// `seccomp.denied`: an aggregated count of denials of one syscall in one container within a window.
  public static func seccompDenied(
    syscall: String, number: Int, arch: String, count: Int, pids: [Int32],
    comm: String?, action: String, firstSeen: AuditTime, lastSeen: AuditTime
  ) -> JSONValue {
    [
      "syscall": .string(syscall), "syscall_nr": .integer(number), "arch": .string(arch), "count": .integer(count),
      "pids": .array(pids.map { .integer($0) }), "comm": .optional(comm), "action": .string(action),
      "first_seen": .string(firstSeen.description), "last_seen": .string(lastSeen.description),
    ]
  }

  /// `container.oom_killed`: the kill counter before and after and the cgroup.
  public static func oomKilled(cgroup: String, previous: Int64, current: Int64) -> JSONValue {
    [
      "cgroup": .string(cgroup), "oom_kill_before": .int(previous), "oom_kill_after": .int(current),
      "kills": .int(current - previous),
    ]
  }

  /// `hook.run`: one OCI hook run (`hook` is its kind: prestart, createRuntime, createContainer, startContainer,
  /// poststart, poststop; `index` its place in that list), how it ended (exit code, or the signal that killed it,
  /// or killed after its timeout) and how long it took; `message` says why it failed (nil when it succeeded).
  public static func hookRun(
    hook: String, index: Int, path: String, exitCode: Int32?, signal: Int32?, timedOut: Bool,
    message: String?, durationMicroseconds: UInt64
  ) -> JSONValue {
    [
      "hook": .string(hook), "index": .integer(index), "path": .string(path),
      "exit_code": exitCode.map { .integer($0) } ?? .null, "signal": signal.map { .integer($0) } ?? .null,
      "timed_out": .bool(timedOut), "message": .optional(message), "duration_us": .integer(durationMicroseconds),
    ]
  }

  /// `container.exited`: exit status or terminating signal.
  public static func containerExited(exitCode: Int32?, signal: Int32?) -> JSONValue {
    ["exit_code": exitCode.map { .integer($0) } ?? .null, "signal": signal.map { .integer($0) } ?? .null]
  }
}
