import Foundation
import GarrisonCore
import GarrisonPlan

/// A pod in Kubernetes' own core/v1 shape, as `kubectl get pod -o json` prints it: built from Garrison's record
/// (the spec as applied) and `status.json` (Garrison's state file keeps its own format). Times are `metav1.Time`:
/// RFC 3339 in UTC with whole seconds, as the API server writes them (so `jq fromdateiso8601` reads them).
/// Garrison's own facts (runtime, supervisor and sandbox pids, plan digests) are `garrison.io/` annotations, never
/// in place of a Kubernetes field.
public struct KubernetesPod: Codable, Sendable, Equatable {
  public var apiVersion = "v1"
  public var kind = "Pod"
  public var metadata: Metadata
  /// The spec as applied, with what the API server and scheduler fill in (`nodeName`, `restartPolicy`,
  /// `terminationGracePeriodSeconds`) when absent.
  public var spec: JSONValue
  public var status: Status

  /// `metadata` (ObjectMeta).
  public struct Metadata: Codable, Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var creationTimestamp: String
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var deletionTimestamp: String?
    public var deletionGracePeriodSeconds: Int64?
  }

  /// `status` (PodStatus).
  public struct Status: Codable, Sendable, Equatable {
    public var phase: String
    public var conditions: [Condition]?
    public var message: String?
    public var reason: String?
    public var hostIP: String?
    public var hostIPs: [IP]?
    public var podIP: String?
    public var podIPs: [IP]?
    public var startTime: String?
    public var initContainerStatuses: [ContainerStatus]?
    public var containerStatuses: [ContainerStatus]?
    public var qosClass: String?
  }

  /// A `PodCondition`.
  public struct Condition: Codable, Sendable, Equatable {
    public var type: String
    public var status: String
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?
  }

  /// A `PodIP` / `HostIP`.
  public struct IP: Codable, Sendable, Equatable {
    public var ip: String
  }

  /// A `ContainerStatus`.
  public struct ContainerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: State
    public var lastState: State
    public var ready: Bool
    public var restartCount: Int
    public var image: String
    public var imageID: String
    public var containerID: String?
    public var started: Bool?
  }

  /// A `ContainerState`: exactly one member set (none for an empty `lastState`).
  public struct State: Codable, Sendable, Equatable {
    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?
    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
      self.waiting = waiting
      self.running = running
      self.terminated = terminated
    }
  }

  /// `ContainerStateWaiting`.
  public struct Waiting: Codable, Sendable, Equatable {
    public var reason: String?
    public var message: String?
  }

  /// `ContainerStateRunning`.
  public struct Running: Codable, Sendable, Equatable {
    public var startedAt: String?
  }

  /// `ContainerStateTerminated`.
  public struct Terminated: Codable, Sendable, Equatable {
    public var exitCode: Int32
    public var signal: Int32?
    public var reason: String?
    public var message: String?
    public var startedAt: String?
    public var finishedAt: String?
    public var containerID: String?
  }
}

/// `kind: List` of pods, as `kubectl get pods -o json` prints several.
public struct KubernetesList: Codable, Sendable, Equatable {
  public var apiVersion = "v1"
  public var kind = "List"
  public var metadata = ListMeta()
  public var items: [KubernetesPod]
  public init(items: [KubernetesPod]) { self.items = items }

  /// `metadata` of a list (kubectl prints `resourceVersion: ""`).
  public struct ListMeta: Codable, Sendable, Equatable {
    public var resourceVersion = ""
  }
}

/// Builds `KubernetesPod` from a `PodView`.
public enum KubernetesPodView {
  /// `metav1.Time`: RFC 3339, UTC, whole seconds.
  public static func time(_ date: Date) -> String {
    var t = time_t(date.timeIntervalSince1970.rounded(.down))
    var tm = tm()
    gmtime_r(&t, &tm)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
  }

  /// Parses what `time` writes (and RFC 3339 with fractions).
  public static func parse(_ text: String) -> Date? { Timestamps.parse(text) }

  /// `<runtime>://<id>` as CRI runtimes write `containerID`.
  public static func containerID(_ runtimeID: String) -> String { "garrison://\(runtimeID)" }

  public static func pod(_ v: PodView) -> KubernetesPod {
    let r = v.record
    let s = v.status
    var annotations = r.annotations ?? [:]
    annotations["garrison.io/runtime"] = r.runtime.path
    if let sup = s.supervisor { annotations["garrison.io/supervisor-pid"] = "\(sup.pid)" + (v.supervised ? "" : " (gone)") }
    if let box = s.sandbox { annotations["garrison.io/sandbox-pid"] = "\(box.pid)" }
    annotations["garrison.io/plan-digests"] =
      JSONValue.object(
        Dictionary(
          uniqueKeysWithValues: r.containers.map {
            ($0.name, JSONValue.string($0.planDigest))
          })
      ).canonicalString
    let meta = KubernetesPod.Metadata(
      name: r.name, namespace: r.namespace, uid: r.uid, creationTimestamp: time(r.createdAt),
      labels: (r.labels ?? [:]).isEmpty ? nil : r.labels, annotations: annotations,
      deletionTimestamp: s.deletionTimestamp.map(time),
      deletionGracePeriodSeconds: s.deletionTimestamp == nil ? nil : s.deletionGracePeriodSeconds)
    let statuses = r.containers.map { c in
      container(c, s.container(c.name) ?? ContainerStatus(name: c.name, role: c.role, runtimeID: r.runtimeID(c.name)))
    }
    let inits = zip(r.containers, statuses).filter { $0.0.role != .app }.map(\.1)
    let apps = zip(r.containers, statuses).filter { $0.0.role == .app }.map(\.1)
    let status = KubernetesPod.Status(
      phase: s.phase.rawValue,
      conditions: s.conditions.isEmpty
        ? nil
        : s.conditions.map {
          KubernetesPod.Condition(
            type: $0.type, status: $0.status, lastTransitionTime: time($0.lastTransitionTime), reason: $0.reason, message: $0.message)
        },
      message: s.message, reason: s.reason,
      hostIP: s.hostIP, hostIPs: s.hostIP.map { [.init(ip: $0)] },
      podIP: s.podIP, podIPs: s.podIP.map { [.init(ip: $0)] },
      startTime: s.startedAt.map(time),
      initContainerStatuses: inits.isEmpty ? nil : inits, containerStatuses: apps.isEmpty ? nil : apps,
      qosClass: r.qosClass)
    return KubernetesPod(metadata: meta, spec: spec(r), status: status)
  }

  static func container(_ c: ContainerRecord, _ st: ContainerStatus) -> KubernetesPod.ContainerStatus {
    let ran = st.state.kind != .waiting || st.lastState != nil || st.restartCount > 0
    let id = ran ? containerID(st.runtimeID) : nil
    return KubernetesPod.ContainerStatus(
      name: c.name, state: state(st.state, containerID: id), lastState: st.lastState.map { state($0, containerID: id) } ?? .init(),
      ready: st.ready, restartCount: st.restartCount, image: c.image, imageID: c.imageID ?? "", containerID: id,
      started: st.started)
  }

  static func state(_ s: ContainerStateInfo, containerID: String?) -> KubernetesPod.State {
    switch s.kind {
    case .waiting: return .init(waiting: .init(reason: s.reason, message: s.message))
    case .running: return .init(running: .init(startedAt: s.startedAt.map(time)))
    case .terminated:
      return .init(
        terminated: .init(
          exitCode: s.exitCode ?? 0, signal: s.signal, reason: s.reason, message: s.message,
          startedAt: s.startedAt.map(time), finishedAt: s.finishedAt.map(time), containerID: containerID))
    }
  }

  /// The applied spec with the fields the API server defaults and the scheduler sets; a record written before the
  /// spec was kept gets a minimal one (container names and images).
  static func spec(_ r: PodRecord) -> JSONValue {
    var spec = r.specJSON?.objectValue ?? [:]
    if r.specJSON == nil {
      func list(_ roles: Set<ContainerRole>) -> JSONValue {
        .array(
          r.containers.filter { roles.contains($0.role) }.map {
            var o: [String: JSONValue] = ["name": .string($0.name), "image": .string($0.image)]
            if $0.role == .sidecar { o["restartPolicy"] = "Always" }
            return .object(o)
          })
      }
      spec["containers"] = list([.app])
      if r.containers.contains(where: { $0.role != .app }) { spec["initContainers"] = list([.initContainer, .sidecar]) }
    }
    if spec["restartPolicy"] == nil { spec["restartPolicy"] = .string(r.restartPolicy) }
    if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = .int(r.terminationGracePeriodSeconds) }
    if spec["nodeName"] == nil, let node = r.nodeName { spec["nodeName"] = .string(node) }
    return .object(spec)
  }
}
