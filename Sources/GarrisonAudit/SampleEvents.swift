import GarrisonCore
import GarrisonSeccomp
/// Generates a deterministic, realistic mix of audit events (for examples, tests and benchmarks).
public struct SampleEvents: Sendable {
  private var state: UInt64
  public var time: AuditTime
  /// Mean seconds between generated events.
  public var spacing: Int64
  public let pods: Int
  private var podIndex = 0

  public init(seed: UInt64 = 42, start: AuditTime = AuditTime(seconds: 1_767_225_600), pods: Int = 12, spacing: Int64 = 3) {
    state = seed; time = start; self.pods = max(1, pods); self.spacing = max(1, spacing)
  }

  mutating func next() -> UInt64 {  // SplitMix64
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func pick<T>(_ list: [T]) -> T { list[Int(next() % UInt64(list.count))] }
  mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }

  static let namespaces = ["default", "payments", "web", "monitoring"]
  static let apps = ["api", "worker", "nginx", "redis", "postgres", "exporter", "batch", "frontend"]

  /// The events of one pod's life (admission or refusal, starts, readback, exec, denials, exit).
  public mutating func podLifecycle() -> [AuditEvent] {
    podIndex += 1
    let n = Int(next() % UInt64(pods))
    let ns = Self.namespaces[n % Self.namespaces.count]
    let pod = "\(Self.apps[n % Self.apps.count])-\(n)"
    let uid = "6f1c\(String(n, radix: 16))-0000-4000-8000-\(String(podIndex, radix: 16))"
    var out: [AuditEvent] = []
    func at(_ e: AuditEvent) {
      time = time.adding(seconds: Int64(next() % UInt64(spacing * 2)) + 1)
      var e = e
      e.time = AuditTime(seconds: time.seconds, nanoseconds: Int32(next() % 1_000_000_000))
      out.append(e)
    }
    let obj = AuditObject(namespace: ns, pod: pod, podUID: uid)
    if chance(6) {
      at(
        AuditEvent(
          kind: .podRefused, outcome: .denied, object: obj,
          details: AuditDetails.podRefused(checks: [
            (pick(["run-as-non-root", "privileged", "host-path", "capabilities"]), "policy restricted forbids it")
          ])))
      return out
    }
    at(
      AuditEvent(
        kind: .podAdmitted, outcome: .allowed, object: obj,
        details: AuditDetails.podAdmitted(planSHA256: String(repeating: "ab", count: 32), containers: 1)))
    var c = obj
    c.container = Self.apps[n % Self.apps.count]
    let privileged = n % 11 == 3
    if n % 7 == 2 {
      at(AuditEvent(kind: .hostNamespace, outcome: .allowed, object: obj, details: AuditDetails.hostNamespaces(["network"])))
    }
    if n % 5 == 1 {
      at(
        AuditEvent(
          kind: .hostPathMount, outcome: .allowed, object: c,
          details: AuditDetails.hostPathMount(hostPath: "/var/log", containerPath: "/host/log", readOnly: true)))
    }
    if n % 4 == 0 {
      at(
        AuditEvent(
          kind: .capabilityBeyondDefault, outcome: .allowed, object: c, details: AuditDetails.capabilitiesBeyondDefault(["CAP_NET_ADMIN"])))
    }
    if privileged {
      at(
        AuditEvent(
          kind: .privilegedContainer, outcome: .allowed, object: c,
          details: AuditDetails.privileged(reason: "securityContext.privileged: true")))
    }
    if chance(3) {
      at(
        AuditEvent(
          kind: .lsmUnavailable, outcome: .allowed, object: c,
          details: AuditDetails.fallback(
            mechanism: "apparmor", requested: "runtime/default", applied: "none", reason: "AppArmor is not enabled in this kernel")))
    }
    let started = AuditDetails.ContainerStarted(
      uid: privileged ? 0 : 1000, gid: 1000, groups: [1000],
      capabilities: ["effective": privileged ? ["ALL"] : [], "bounding": ["CAP_NET_BIND_SERVICE"]],
      noNewPrivs: !privileged, seccompProfile: privileged ? nil : "runtime/default",
      seccompHash: privileged ? nil : String(repeating: "5e", count: 32),
      apparmorProfile: nil, selinuxLabel: nil, maskedPaths: privileged ? 0 : 14, privileged: privileged, pid: Int32(1000 + podIndex % 30000)
    )
    at(AuditEvent(kind: .containerStarted, outcome: .allowed, object: c, details: started.json))
    let mismatch = chance(2)
    at(
      AuditEvent(
        kind: .enforcementReadback, outcome: mismatch ? .error : .allowed, object: c,
        details: AuditDetails.readback([
          .init(field: "uid", expected: "1000", actual: "1000"),
          .init(field: "no_new_privs", expected: "1", actual: mismatch ? "0" : "1"),
        ])))
    if chance(20) {
      at(
        AuditEvent(
          kind: .containerExec, outcome: .allowed, object: c,
          details: AuditDetails.containerExec(command: ["/bin/sh", "-c", "ps aux"], uid: 1000, tty: true)))
    }
    if chance(25) {
      let nr = pick([101, 165, 272, 310, 321, 246])
      let t = time
      at(
        AuditEvent(
          kind: .seccompDenied, outcome: .denied, object: c,
          details: AuditDetails.seccompDenied(
            syscall: SyscallTable.name(of: Int32(nr), auditArch: SeccompArch.x86_64.token) ?? "?", number: nr,
            arch: SeccompAuditParser.archX86_64, count: Int(next() % 20) + 1,
            pids: [Int32(2000 + podIndex % 30000)], comm: c.container, action: "errno", firstSeen: t, lastSeen: t)))
    }
    if chance(4) {
      at(
        AuditEvent(
          kind: .containerOOMKilled, outcome: .error, object: c,
          details: AuditDetails.oomKilled(cgroup: "/sys/fs/cgroup/garrison/\(uid)", previous: 0, current: 1)))
      at(AuditEvent(kind: .containerExited, outcome: .error, object: c, details: AuditDetails.containerExited(exitCode: nil, signal: 9)))
    } else {
      at(AuditEvent(kind: .containerExited, outcome: .allowed, object: c, details: AuditDetails.containerExited(exitCode: 0, signal: nil)))
    }
    return out
  }

  /// At least `count` events (whole pod lifecycles), trimmed to exactly `count`.
  public mutating func events(_ count: Int) -> [AuditEvent] {
    var out: [AuditEvent] = []
    out.reserveCapacity(count + 16)
    while out.count < count { out.append(contentsOf: podLifecycle()) }
    return Array(out.prefix(count))
  }
}
