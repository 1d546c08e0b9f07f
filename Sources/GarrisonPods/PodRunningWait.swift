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

  /// Whether an event on entry `name` of a pod's directory can change the verdict: `status.json` replaced, the
  /// record removed (a delete), or the directory itself (empty name: removed).
  static func matters(_ name: String) -> Bool {
    name.isEmpty || name == "status.json" || name == "record.json"
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
  /// `status.json` was replaced or its record removed (not for the supervisor's temporary files, logs or bundles);
  /// once a second every pending pod is re-read anyway, so a supervisor that died without writing is seen (the
  /// view then says Unknown). A pod's record (written once by apply) is decoded once. Throws a `.system` error
  /// naming the first pod that failed, or `.timedOut` naming the pods still waiting when `timeout` seconds passed.
  /// It runs beside the supervisors and runtimes it waits for, so every wake-up it saves is CPU they get.
  /// `shared`: the inotify instance `awaitSupervisor` used (its pending events are harmless: every pod is read
  /// first anyway); without it, one of its own. `wakes`: the wake-up sockets of the supervisors this apply started;
  /// a pod that has one is woken by it instead of inotify (its end of file: the supervisor is gone, read it again),
  /// and when every pod has one, no inotify instance is made.
  public func waitRunning(
    _ pods: [(namespace: String, name: String)], timeout: Double, events shared: FileEvents? = nil, wakes: PodWakes? = nil
  ) throws {
    let deadline = Date(timeIntervalSinceNow: timeout)
    var pending: [String: PodPaths] = [:]
    var records: [String: PodRecord] = [:]
    for (ns, name) in pods {
      try Self.checkNames(namespace: ns, name: name)
      let p = paths(ns, name)
      pending[p.directory] = p
    }
    // The pod as `view` shows it, its record decoded at the first look only (nil: the pod no longer exists).
    func current(_ p: PodPaths) throws -> PodView? {
      if let record = records[p.directory] {
        return PathName.exists(p.record) ? try view(p, record: record) : nil
      }
      guard let v = try view(p.namespace, p.name) else { return nil }
      records[p.directory] = v.record
      return v
    }
    // Pods woken by their supervisor's socket (while `wakes` holds it); the others by inotify on their directories.
    var events: FileEvents?
    if let shared {
      events = shared
    } else if pending.keys.contains(where: { wakes?[$0] == nil }) {
      do { events = try FileEvents() } catch {
        throw GarrisonError(.system, operation: "inotify_init1", "cannot wait for the pods", errno: error.rawValue)
      }
    }
    // Watches first, then the first read: a change between the two is an event, never missed.
    for dir in pending.keys where wakes?[dir] == nil { try? events?.watch(dir) }
    var changed = Set(pending.keys)
    var lastSweep = Date()
    while true {
      for dir in changed {
        guard let p = pending[dir] else { continue }
        switch PodRunningWait.verdict(try current(p)) {
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
      let woken = pending.keys.compactMap { dir in wakes?[dir].map { (dir, $0) } }
      var fds = woken.map { pollfd(fd: $0.1, events: Int16(POLLIN), revents: 0) }
      if let events { fds.append(pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)) }
      _ = try? Kernel.poll(&fds, timeoutMilliseconds: Int32(max(1, min(1000, left * 1000))))
      changed = Set(events?.drain().filter { PodRunningWait.matters($0.name) }.map(\.directory) ?? [])
      for (k, (dir, fd)) in woken.enumerated() where fds[k].revents != 0 {
        changed.insert(dir)
        if !WakeSocket.drain(fd) {
          // The supervisor is gone: read once more now, then only the once-a-second sweep.
          wakes?.drop(dir)
        }
      }
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
