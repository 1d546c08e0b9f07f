import GarrisonPlan
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc

/// The supervisor's decisions as pure functions, in the manner of kubelet's `computePodActions`: from the pod's
/// restart policy and what was observed of each container (and the clock) to the actions to take. The supervisor
/// observes, calls `decide`, and acts (`PodSupervisor.step`); these functions never touch a process or a file,
/// so init order, sidecars, restart policies and back-off are table-tested without root.
public enum PodSyncDecision {
  /// A container's role in the pod (`init` runs to completion before anything after it; a `sidecar` is an init
  /// container with `restartPolicy: Always`, started in order and kept running; an `app` is a regular container).
  public typealias Role = ContainerRole

  /// The pod's `restartPolicy`.
  public enum RestartPolicy: String, Sendable {
    case always = "Always", onFailure = "OnFailure", never = "Never"

    /// Kubernetes' default is Always.
    public init(record: String) { self = RestartPolicy(rawValue: record) ?? .always }
  }

  /// What the supervisor observed of one container.
  public struct Observed: Sendable, Equatable {
    public var name: String
    public var role: Role
    /// The status's state (waiting, running, terminated), its reason and exit code.
    public var state: ContainerStateInfo.Kind
    public var reason: String?
    public var exitCode: Int32?
    /// Whether its process is alive now.
    public var isRunning: Bool
    /// Whether it was ever started by this supervisor.
    public var everStarted: Bool
    /// Whether its startup probe has succeeded (true without one).
    public var startupDone: Bool
    /// The end of its back-off, if it is backing off.
    public var notBefore: Date?

    public init(
      name: String, role: Role, state: ContainerStateInfo.Kind, reason: String? = nil, exitCode: Int32? = nil,
      isRunning: Bool = false, everStarted: Bool = false, startupDone: Bool = false, notBefore: Date? = nil
    ) {
      self.name = name
      self.role = role
      self.state = state
      self.reason = reason
      self.exitCode = exitCode
      self.isRunning = isRunning
      self.everStarted = everStarted
      self.startupDone = startupDone
      self.notBefore = notBefore
    }

    var createFailed: Bool { state == .waiting && reason == PodSyncDecision.createContainerError }
  }

  /// One thing the supervisor is to do.
  public enum Action: Sendable, Equatable {
    /// Create and start the container now.
    case start(String)
    /// The container should run but is backing off until the date (shown as CrashLoopBackOff).
    case backOff(String, until: Date)
    /// The pod has failed for good.
    case failPod(reason: String, message: String)
  }

  static let createContainerError = "CreateContainerError"

  /// The actions for one pass, in order. Init containers run one at a time to completion and sidecars start in
  /// order (each waiting for the previous one's start, and its startup probe until the pod is initialized); app
  /// containers start once all of those allow it, all in the same pass (they may be started in parallel).
  /// A started container changes what is observed: the supervisor calls this again until nothing starts.
  public static func decide(policy: RestartPolicy, containers: [Observed], initialized: Bool, now: Date) -> [Action] {
    var actions: [Action] = []
    /// `.start`, or `.backOff` while the back-off lasts; true when it is a start.
    func startOrBackOff(_ c: Observed) -> Bool {
      if let until = c.notBefore, until > now {
        actions.append(.backOff(c.name, until: until))
        return false
      }
      actions.append(.start(c.name))
      return true
    }

    for c in containers where c.role != .app {
      if c.role == .sidecar {
        if !c.everStarted || (!c.isRunning && c.state != .running) {
          // Later containers wait for a sidecar's first start, not for its restarts.
          if startOrBackOff(c) || !c.everStarted { return actions }
        }
        // Until the pod is initialized, later containers also wait for the sidecar's startup probe (kubelet's).
        if !c.startupDone && !initialized { return actions }
        continue
      }
      if c.state == .terminated && c.exitCode == 0 && !c.isRunning { continue }
      if c.isRunning { return actions }
      if (c.everStarted || c.createFailed) && policy == .never {
        actions.append(.failPod(reason: "Init:Error", message: "init container \(c.name) failed and restartPolicy is Never"))
        return actions
      }
      _ = startOrBackOff(c)
      return actions
    }

    for c in containers where c.role == .app && !c.isRunning {
      if !c.everStarted && !c.createFailed {
        _ = startOrBackOff(c)
        continue
      }
      if c.state == .terminated && !shouldRestart(role: c.role, policy: policy, exitCode: c.exitCode ?? 1) { continue }
      if c.createFailed && policy == .never { continue }
      _ = startOrBackOff(c)
    }
    return actions
  }

  /// Whether a terminated container runs again: sidecars always; others per the restart policy.
  public static func shouldRestart(role: Role, policy: RestartPolicy, exitCode: Int32) -> Bool {
    if role == .sidecar { return true }
    switch policy {
    case .always: return true
    case .onFailure: return exitCode != 0
    case .never: return false
    }
  }

  /// The pod phase the app containers give, or nil when it stays as it is (a terminal phase never changes).
  public static func phase(current: PodPhase, policy: RestartPolicy, apps: [Observed]) -> PodPhase? {
    guard !current.isTerminal else { return nil }
    var phase: PodPhase = .pending
    if apps.allSatisfy(\.everStarted) {
      let finished = apps.allSatisfy {
        !$0.isRunning && $0.state == .terminated && !shouldRestart(role: $0.role, policy: policy, exitCode: $0.exitCode ?? 1)
      }
      phase = finished ? (apps.allSatisfy { $0.exitCode == 0 } ? .succeeded : .failed) : .running
    } else if policy == .never && apps.contains(where: { $0.reason == createContainerError }) {
      phase = .failed
    }
    return phase == current ? nil : phase
  }

  /// The terminated reason of an exit: OOMKilled when the cgroup's OOM-kill counter rose, else Completed or Error.
  public static func exitReason(oomKilled: Bool, exitCode: Int32) -> String {
    oomKilled ? "OOMKilled" : (exitCode == 0 ? "Completed" : "Error")
  }

  /// Whether an exit starts (or lengthens) the container's back-off: a failure, a sidecar's exit, or any exit
  /// under restartPolicy Always (kubelet backs off every restart).
  public static func backsOff(role: Role, policy: RestartPolicy, exitCode: Int32) -> Bool {
    exitCode != 0 || role == .sidecar || policy == .always
  }
}
