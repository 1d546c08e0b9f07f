import Foundation
import GarrisonCore

/// The columns of `kubectl get pods` (NAME READY STATUS RESTARTS AGE; wide: IP NODE NOMINATED NODE READINESS
/// GATES), computed from the Kubernetes-shaped pod exactly as kubectl's `printPod` does: the STATUS reason
/// (`Init:0/1`, `Init:CrashLoopBackOff`, `PodInitializing`, `CrashLoopBackOff`, `Completed`, `Error`,
/// `OOMKilled`, `NotReady`, `Terminating`, ...), READY counting sidecars, RESTARTS as `N (5m ago)`.
public struct KubectlPodColumns: Sendable, Equatable {
  public var name: String
  public var ready: String
  public var status: String
  public var restarts: String
  public var age: String
  public var ip: String
  public var node: String
  public var nominatedNode: String
  public var readinessGates: String

  /// The headers, in order (`wide` adds the last four).
  public static func headers(wide: Bool) -> [String] {
    ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] + (wide ? ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"] : [])
  }

  public func cells(wide: Bool) -> [String] {
    [name, ready, status, restarts, age] + (wide ? [ip, node, nominatedNode, readinessGates] : [])
  }

  public init(_ pod: KubernetesPod, now: Date = Date()) {
    let st = pod.status
    let specInits = pod.spec["initContainers"]?.arrayValue ?? []
    let specApps = pod.spec["containers"]?.arrayValue ?? []
    let sidecars = Set(specInits.filter { $0["restartPolicy"]?.stringValue == "Always" }.compactMap { $0["name"]?.stringValue })
    var total = specApps.count + sidecars.count
    if specApps.isEmpty { total += st.containerStatuses?.count ?? 0 }
    var readyCount = 0
    var restarts = 0
    var sidecarRestarts = 0
    var lastRestart: Date?
    var lastSidecarRestart: Date?
    func later(_ a: Date?, _ b: KubernetesPod.State) -> Date? {
      guard let t = b.terminated?.finishedAt.flatMap(KubernetesPodView.parse) else { return a }
      return a.map { max($0, t) } ?? t
    }
    var reason = st.reason.flatMap { $0.isEmpty ? nil : $0 } ?? st.phase

    var initializing = false
    let initStatuses = st.initContainerStatuses ?? []
    for (i, c) in initStatuses.enumerated() {
      restarts += c.restartCount
      lastRestart = later(lastRestart, c.lastState)
      let isSidecar = sidecars.contains(c.name)
      if isSidecar {
        sidecarRestarts += c.restartCount
        lastSidecarRestart = later(lastSidecarRestart, c.lastState)
      }
      if let t = c.state.terminated, t.exitCode == 0 { continue }
      if isSidecar && c.started == true {
        if c.ready { readyCount += 1 }
        continue
      }
      if let t = c.state.terminated {
        if let r = t.reason, !r.isEmpty {
          reason = "Init:" + r
        } else if let sig = t.signal, sig != 0 {
          reason = "Init:Signal:\(sig)"
        } else {
          reason = "Init:ExitCode:\(t.exitCode)"
        }
      } else if let w = c.state.waiting, let r = w.reason, !r.isEmpty, r != "PodInitializing" {
        reason = "Init:" + r
      } else {
        reason = "Init:\(i)/\(specInits.isEmpty ? initStatuses.count : specInits.count)"
      }
      initializing = true
      break
    }

    let initialized = st.conditions?.contains { $0.type == "Initialized" && $0.status == "True" } ?? false
    if !initializing || initialized {
      restarts = sidecarRestarts
      lastRestart = lastSidecarRestart
      var hasRunning = false
      for c in (st.containerStatuses ?? []).reversed() {
        restarts += c.restartCount
        lastRestart = later(lastRestart, c.lastState)
        if let w = c.state.waiting, let r = w.reason, !r.isEmpty {
          reason = r
        } else if let t = c.state.terminated, let r = t.reason, !r.isEmpty {
          reason = r
        } else if let t = c.state.terminated {
          reason = (t.signal ?? 0) != 0 ? "Signal:\(t.signal!)" : "ExitCode:\(t.exitCode)"
        } else if c.ready && c.state.running != nil {
          hasRunning = true
          readyCount += 1
        }
      }
      if reason == "Completed" && hasRunning {
        let podReady = st.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
        reason = podReady ? "Running" : "NotReady"
      }
    }
    if pod.metadata.deletionTimestamp != nil && st.reason == "NodeLost" {
      reason = "Unknown"
    } else if pod.metadata.deletionTimestamp != nil && st.phase != "Succeeded" && st.phase != "Failed" {
      reason = "Terminating"
    }

    name = pod.metadata.name
    ready = "\(readyCount)/\(total)"
    status = reason
    if restarts != 0, let last = lastRestart {
      self.restarts = "\(restarts) (\(Self.humanDuration(now.timeIntervalSince(last))) ago)"
    } else {
      self.restarts = "\(restarts)"
    }
    age = KubernetesPodView.parse(pod.metadata.creationTimestamp).map { Self.humanDuration(now.timeIntervalSince($0)) } ?? "<unknown>"
    ip = st.podIPs?.first?.ip ?? "<none>"
    node = pod.spec["nodeName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "<none>"
    nominatedNode = "<none>"
    let gates = pod.spec["readinessGates"]?.arrayValue ?? []
    if gates.isEmpty {
      readinessGates = "<none>"
    } else {
      let trueCount = gates.filter { g in
        st.conditions?.first { $0.type == g["conditionType"]?.stringValue }?.status == "True"
      }.count
      readinessGates = "\(trueCount)/\(gates.count)"
    }
  }

  /// apimachinery's `duration.HumanDuration`: `45s`, `3m20s`, `15m`, `5h10m`, `2d3h`, `1y30d`.
  public static func humanDuration(_ interval: TimeInterval) -> String {
    let seconds = Int(interval.rounded(.towardZero))
    if seconds < -1 { return "<invalid>" }
    if seconds < 0 { return "0s" }
    if seconds < 120 { return "\(seconds)s" }
    let minutes = seconds / 60
    if minutes < 10 {
      let s = seconds % 60
      return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
    }
    if minutes < 180 { return "\(minutes)m" }
    let hours = seconds / 3600
    if hours < 8 {
      let m = minutes % 60
      return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
    }
    if hours < 48 { return "\(hours)h" }
    if hours < 24 * 8 {
      let h = hours % 24
      return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
    }
    if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
    if hours < 24 * 365 * 8 {
      let d = (hours / 24) % 365
      return d == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(d)d"
    }
    return "\(hours / 24 / 365)y"
  }
}
