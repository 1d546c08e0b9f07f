import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonSupervisor

/// What `apply --wait` waits for: every pod Running (each app and sidecar container running) or Succeeded.
public enum PodRunningWait {
  /// Where one pod stands for the wait.
  public enum Verdict: Equatable, Sendable {
    case waiting
    case done
    /// The pod will not get there: failed, lost its supervisor, or was deleted (the message says which).
    case failed(String)
  }

  /// The verdict for a pod's view (`nil`: the pod no longer exists).
  public static func verdict(_ view: PodView?) -> Verdict {
    guard let view else { return .failed("was deleted") }
    let s = view.status
    switch s.phase {
    case .succeeded: return .done
    case .failed, .unknown:
      var text = "is \(s.phase.rawValue)"
      if let r = s.reason, !r.isEmpty { text += ": \(r)" }
      if let m = s.message, !m.isEmpty { text += ": \(m)" }
      for c in s.containers where c.state.kind != .running && (c.state.reason ?? "") != "" {
        text += "; container \(c.name): \(c.state.kind.rawValue) \(c.state.reason!)"
        if let m = c.state.message, !m.isEmpty { text += " (\(m))" }
      }
      return .failed(text)
    case .running:
      let apps = s.containers.filter { $0.role != .initContainer }
      return !apps.isEmpty && apps.allSatisfy { $0.state.kind == .running } ? .done : .waiting
    case .pending: return .waiting
    }
  }
}

extension PodManager {
  /// Waits until every pod of `pods` is Running or Succeeded (`PodRunningWait`): woken by inotify on the pods'
  /// directories (the supervisor replaces `status.json` by a rename), each pod's status re-read only when its
  /// directory changed; once a second every pending pod is re-read anyway, so a supervisor that died without
  /// writing is seen (the view then says Unknown). Throws a `.system` error naming the first pod that failed,
  /// or `.timedOut` naming the pods still waiting when `timeout` seconds passed.
  public func waitRunning(_ pods: [(namespace: String, name: String)], timeout: Double) throws {
    let deadline = Date(timeIntervalSinceNow: timeout)
    var pending: [String: PodPaths] = [:]
    for (ns, name) in pods {
      try Self.checkNames(namespace: ns, name: name)
      let p = paths(ns, name)
      pending[p.directory] = p
    }
    let events: FileEvents
    do { events = try FileEvents() } catch {
      throw GarrisonError(.system, operation: "inotify_init1", "cannot wait for the pods", errno: error.rawValue)
    }
    // Watches first, then the first read: a change between the two is an event, never missed.
    for dir in pending.keys { try? events.watch(dir) }
    var changed = Set(pending.keys)
    var lastSweep = Date()
    while true {
      for dir in changed {
        guard let p = pending[dir] else { continue }
        let current = try view(p.namespace, p.name)
        switch PodRunningWait.verdict(current) {
        case .done: pending[dir] = nil
        case .waiting: break
        case .failed(let why): throw GarrisonError(.system, "pod \(p.namespace)/\(p.name) \(why)")
        }
      }
      if pending.isEmpty {
        PhaseTrace.mark("apply: running", "\(pods.count) pods")
        return
      }
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else {
        let names = pending.values.map { "\($0.namespace)/\($0.name)" }.sorted().joined(separator: ", ")
        throw GarrisonError(
          .timedOut, "timed out after \(Self.seconds(timeout)) waiting for pods to be running: \(names) not running yet")
      }
      var fds = [pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)]
      _ = try? Kernel.poll(&fds, timeoutMilliseconds: Int32(max(1, min(1000, left * 1000))))
      changed = Set(events.drain().map(\.directory))
      if Date().timeIntervalSince(lastSweep) >= 1 {
        changed = Set(pending.keys)
        lastSweep = Date()
      }
    }
  }

  private static func seconds(_ t: Double) -> String {
    t == t.rounded() ? "\(Int(t))s" : "\(t)s"
  }
}
