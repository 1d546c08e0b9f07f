import Foundation

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

  public init(kind: Kind, reason: String? = nil, message: String? = nil, exitCode: Int32? = nil, signal: Int32? = nil,
              startedAt: Date? = nil, finishedAt: Date? = nil) {
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
  public var role: String
  public var state: ContainerStateInfo
  /// The previous run's terminated state (what `--previous` logs belong to).
  public var lastState: ContainerStateInfo?
  public var restartCount: Int
  /// Host pid of the container's init while running.
  public var pid: Int32?
  public var runtimeID: String
  public var ready: Bool { state.kind == .running }
  public init(name: String, role: String, runtimeID: String) {
    self.name = name
    self.role = role
    self.runtimeID = runtimeID
    self.state = .waiting(role == "app" ? "PodInitializing" : "Waiting")
    self.restartCount = 0
  }
}

/// An event of the pod's life (`describe` shows them).
public struct PodEvent: Codable, Sendable, Equatable {
  public var time: Date
  /// `Normal` or `Warning`.
  public var type: String
  public var reason: String
  public var message: String
  public init(time: Date = Date(), type: String, reason: String, message: String) {
    self.time = time
    self.type = type
    self.reason = reason
    self.message = message
  }
}

/// A process identified by pid and kernel start time (so a reused pid is never mistaken for it).
public struct ProcessRef: Codable, Sendable, Equatable {
  public var pid: Int32
  /// Field 22 of `/proc/<pid>/stat` (clock ticks since boot).
  public var startTime: UInt64
  public init(pid: Int32, startTime: UInt64) {
    self.pid = pid
    self.startTime = startTime
  }
}

/// The pod's status (`status.json`), written atomically by the supervisor.
public struct PodStatus: Codable, Sendable, Equatable {
  public var phase: PodPhase
  public var reason: String?
  public var message: String?
  public var podIP: String?
  /// The veth's host-side name, for cleanup.
  public var hostVeth: String?
  public var supervisor: ProcessRef?
  /// The sandbox ("pause") process holding the shared namespaces.
  public var sandbox: ProcessRef?
  public var startedAt: Date?
  public var containers: [ContainerStatus]
  public var events: [PodEvent]
  /// Overlay and tmpfs mount points the supervisor made (cleanup after a crash).
  public var mounts: [String]
  /// Cgroup path prefix under each controller (`/garrison/<uid>`).
  public var cgroupParent: String?

  public init(phase: PodPhase, containers: [ContainerStatus]) {
    self.phase = phase
    self.containers = containers
    self.events = []
    self.mounts = []
  }

  public func container(_ name: String) -> ContainerStatus? { containers.first { $0.name == name } }
}
