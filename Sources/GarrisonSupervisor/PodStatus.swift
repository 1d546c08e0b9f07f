#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonPlan
import Glibc
import GarrisonKernel

/// A pod's phase, as Kubernetes reports it; `Unknown` when its supervisor is gone.
public enum PodPhase: String, Codable, Sendable {
  case pending = "Pending", running = "Running", succeeded = "Succeeded", failed = "Failed", unknown = "Unknown"
  public var isTerminal: Bool { self == .succeeded || self == .failed }
}

/// One container's state: Waiting (with reason), Running, or Terminated (reason and exit code).
public struct ContainerStateInfo: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable { case waiting = "Waiting", running = "Running", terminated = "Terminated" }
  public var kind: Kind
  /// Waiting: `PodInitializing`, `ContainerCreating`, `CrashLoopBackOff`, `CreateContainerError`;
  /// Terminated: `Completed`, `Error`, `OOMKilled`.
  public var reason: String?
  public var message: String?
  public var exitCode: Int32?
  public var signal: Int32?
  public var startedAt: Date?
  public var finishedAt: Date?

  public init(
    kind: Kind, reason: String? = nil, message: String? = nil, exitCode: Int32? = nil, signal: Int32? = nil,
    startedAt: Date? = nil, finishedAt: Date? = nil
  ) {
    self.kind = kind
    self.reason = reason
    self.message = message
    self.exitCode = exitCode
    self.signal = signal
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }

  public static func waiting(_ reason: String, _ message: String? = nil) -> ContainerStateInfo {
    ContainerStateInfo(kind: .waiting, reason: reason, message: message)
  }
}

/// The status of one container.
public struct ContainerStatus: Codable, Sendable, Equatable {
  public var name: String
  public var role: ContainerRole
  public var state: ContainerStateInfo
  /// The previous run's terminated state (what `--previous` logs belong to).
  public var lastState: ContainerStateInfo?
  public var restartCount: Int
  /// Host pid of the container's init while running.
  public var pid: Int32?
  public var runtimeID: String
  /// Whether the container passes its readiness probe (running, started, and ready with no probe; an init
  /// container: completed successfully). Decided by the supervisor only; the pod's Ready condition follows it.
  public var ready: Bool
  /// Whether the container has started: running and past its startup probe (no probe: running).
  public var started: Bool

  public init(name: String, role: ContainerRole, runtimeID: String) {
    self.name = name
    self.role = role
    self.runtimeID = runtimeID
    self.state = .waiting(role == .app ? "PodInitializing" : "Waiting")
    self.restartCount = 0
    self.ready = false
    self.started = false
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    role = try c.decode(ContainerRole.self, forKey: .role)
    state = try c.decode(ContainerStateInfo.self, forKey: .state)
    lastState = try c.decodeIfPresent(ContainerStateInfo.self, forKey: .lastState)
    restartCount = try c.decode(Int.self, forKey: .restartCount)
    pid = try c.decodeIfPresent(Int32.self, forKey: .pid)
    runtimeID = try c.decode(String.self, forKey: .runtimeID)
    // A status written before readiness was stored: running meant ready.
    ready = try c.decodeIfPresent(Bool.self, forKey: .ready) ?? (state.kind == .running)
    started = try c.decodeIfPresent(Bool.self, forKey: .started) ?? (state.kind == .running)
  }
}

/// A pod condition as Kubernetes reports it (`PodScheduled`, `Initialized`, `ContainersReady`, `Ready`).
public struct PodCondition: Codable, Sendable, Equatable {
  public var type: String
  /// `True`, `False` or `Unknown`.
  public var status: String
  public var lastTransitionTime: Date
  public var reason: String?
  public var message: String?
  public init(type: String, status: String, lastTransitionTime: Date, reason: String? = nil, message: String? = nil) {
    self.type = type
    self.status = status
    self.lastTransitionTime = lastTransitionTime
    self.reason = reason
    self.message = message
  }
  public var isTrue: Bool { status == "True" }
}

/// An event of the pod's life (`describe` shows them).
public struct PodEvent: Codable, Sendable, Equatable {
  public var time: Date
  /// `Normal` or `Warning`.
  public var type: String
  public var reason: String
  public var message: String
  /// How many times it happened (nil: once); `time` is the latest.
  public var count: Int?
  public init(time: Date = Date(), type: String, reason: String, message: String) {
    self.time = time
    self.type = type
    self.reason = reason
    self.message = message
  }
}

/// The pod's status (`status.json`), written atomically by the supervisor. Garrison's own state file; the
/// Kubernetes-shaped Pod that `get -o json|yaml` prints is built from it (`KubernetesPodView`).
public struct PodStatus: Codable, Sendable, Equatable {
  public var phase: PodPhase
  public var reason: String?
  public var message: String?
  public var podIP: String?
  /// The host's primary address (`status.hostIP`).
  public var hostIP: String?
  /// The veth's host-side name, for cleanup.
  public var hostVeth: String?
  public var supervisor: ProcessRef?
  /// The sandbox ("pause") process holding the shared namespaces.
  public var sandbox: ProcessRef?
  public var startedAt: Date?
  public var containers: [ContainerStatus]
  /// `PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, kept by the supervisor (`refreshConditions`).
  public var conditions: [PodCondition]
  public var events: [PodEvent]
  /// Overlay and tmpfs mount points the supervisor made (cleanup after a crash).
  public var mounts: [String]
  /// Cgroup path prefix under each controller (`/garrison/<uid>`).
  public var cgroupParent: String?
  /// When the pod was asked to stop (`delete`), and with which grace period: `Terminating` until it has.
  public var deletionTimestamp: Date?
  public var deletionGracePeriodSeconds: Int64?
  /// Set by the supervisor once it stopped every container and removed their runtime state, mounts, sandbox,
  /// network and cgroups without an error: `delete` then skips asking the runtime about each container.
  public var tornDown: Bool?

  public init(phase: PodPhase, containers: [ContainerStatus]) {
    self.phase = phase
    self.containers = containers
    self.conditions = []
    self.events = []
    self.mounts = []
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    phase = try c.decode(PodPhase.self, forKey: .phase)
    reason = try c.decodeIfPresent(String.self, forKey: .reason)
    message = try c.decodeIfPresent(String.self, forKey: .message)
    podIP = try c.decodeIfPresent(String.self, forKey: .podIP)
    hostIP = try c.decodeIfPresent(String.self, forKey: .hostIP)
    hostVeth = try c.decodeIfPresent(String.self, forKey: .hostVeth)
    supervisor = try c.decodeIfPresent(ProcessRef.self, forKey: .supervisor)
    sandbox = try c.decodeIfPresent(ProcessRef.self, forKey: .sandbox)
    startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
    containers = try c.decode([ContainerStatus].self, forKey: .containers)
    conditions = try c.decodeIfPresent([PodCondition].self, forKey: .conditions) ?? []
    events = try c.decode([PodEvent].self, forKey: .events)
    mounts = try c.decode([String].self, forKey: .mounts)
    cgroupParent = try c.decodeIfPresent(String.self, forKey: .cgroupParent)
    deletionTimestamp = try c.decodeIfPresent(Date.self, forKey: .deletionTimestamp)
    deletionGracePeriodSeconds = try c.decodeIfPresent(Int64.self, forKey: .deletionGracePeriodSeconds)
    tornDown = try c.decodeIfPresent(Bool.self, forKey: .tornDown)
  }

  public func container(_ name: String) -> ContainerStatus? { containers.first { $0.name == name } }

  /// The condition of `type`, if set.
  public func condition(_ type: String) -> PodCondition? { conditions.first { $0.type == type } }

  /// Whether the pod is Ready (its `Ready` condition is True): what a workload controller counts as available.
  public var isReady: Bool { condition("Ready")?.isTrue ?? false }
}
