#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// Probes: the supervisor asks each container's `ProbeScheduler` what is due, runs it on a thread with
/// `ProbeRunner`, and acts on the decisions that come back (started, ready, `Unhealthy` events, kills).
extension PodSupervisor {
  func runProbes() {
    let now = Date()
    for r in probeResults.drain() where r.run == containerRun[r.container] && running[r.container] != nil {
      guard var scheduler = probing[r.container] else { continue }
      let decisions = scheduler.record(r.kind, success: r.outcome.success, message: r.outcome.message)
      probing[r.container] = scheduler
      act(decisions, container: r.container)
    }
    for name in probing.keys.sorted() where running[name] != nil {
      guard var scheduler = probing[name], let c = record.containers.first(where: { $0.name == name }) else { continue }
      let due = scheduler.due(now: now)
      probing[name] = scheduler
      for kind in due { launch(kind, of: c) }
    }
    for (name, deadline) in killDeadline where deadline <= now && running[name] != nil {
      try? runtime.kill(id: record.runtimeID(name), signal: SIGKILL, all: true)
      killDeadline[name] = Date.distantFuture
    }
  }

  /// Runs one probe on its own thread; the result is queued and the main loop woken.
  func launch(_ kind: ProbeKind, of c: ContainerRecord) {
    guard let probe = c.probes?.probe(kind) else { return }
    let reaper = self.reaper
    let runner = ProbeRunner(
      runtime: record.runtime, runtimeID: record.runtimeID(c.name),
      networkNamespace: record.namespaces.hostNetwork ? nil : sandbox.map { "/proc/\($0.process.pid)/ns/net" },
      podIP: record.namespaces.hostNetwork ? nil : status.podIP,
      outputFile: paths.container(c.name) + "/probe-\(kind.rawValue.lowercased()).out",
      wait: { pid, timeout in reaper.wait(pid, timeout: timeout) })
    let results = probeResults
    let run = containerRun[c.name] ?? 0
    let name = c.name
    DetachedThread.start {
      let outcome = runner.run(probe)
      results.add(ProbeResults.Result(container: name, run: run, kind: kind, outcome: outcome))
      reaper.poke()
    }
  }

  func act(_ decisions: [ProbeScheduler.Decision], container name: String) {
    let i = index(name)
    for d in decisions {
      switch d {
      case .started:
        status.containers[i].started = true
      case .ready(let ready):
        status.containers[i].ready = ready
      case .unhealthy(let kind, _, let message):
        unhealthy("\(kind.rawValue) probe failed: \(message)", container: name)
      case .kill(let kind, let message, let grace):
        let c = record.containers.first { $0.name == name }!
        let period = grace ?? Double(record.terminationGracePeriodSeconds)
        let restarts = PodSyncDecision.shouldRestart(role: c.role, policy: restartPolicy, exitCode: 137)
        event("Normal", "Killing", "Container \(name) failed \(kind.rawValue.lowercased()) probe" + (restarts ? ", will be restarted" : ""))
        let failures = c.probes?.probe(kind)?.failureThreshold ?? 0
        auditing { try $0.probeKilled(record, name, probe: kind, failures: failures, message: message, grace: period) }
        do {
          try runtime.kill(id: record.runtimeID(name), signal: SIGTERM, all: true)
        } catch {
          event("Warning", "FailedKillContainer", "container \(name): \(error)")
        }
        killDeadline[name] = Date(timeIntervalSinceNow: period)
      }
    }
    dirty = true
  }

  /// An `Unhealthy` event; a repeat of the last one for the container only counts up and moves its time, as
  /// Kubernetes aggregates repeated events (`x5 over 2m`).
  func unhealthy(_ message: String, container name: String) {
    let text = "container \(name): \(message)"
    if let j = status.events.lastIndex(where: { $0.reason == "Unhealthy" && $0.message.hasPrefix("container \(name): ") }),
      status.events[j].message == text
    {
      status.events[j].count = (status.events[j].count ?? 1) + 1
      status.events[j].time = Date()
      dirty = true
      return
    }
    event("Warning", "Unhealthy", text)
  }
}

/// Probe results handed from probe threads to the supervisor's loop.
final class ProbeResults: @unchecked Sendable {
  struct Result: Sendable {
    var container: String
    var run: Int
    var kind: ProbeKind
    var outcome: ProbeRunner.Outcome
  }
  private let lock = Lock()
  private var pending: [Result] = []

  func add(_ r: Result) {
    lock.lock()
    pending.append(r)
    lock.unlock()
  }

  var isEmpty: Bool {
    lock.lock()
    defer { lock.unlock() }
    return pending.isEmpty
  }

  func drain() -> [Result] {
    lock.lock()
    defer { lock.unlock() }
    let out = pending
    pending = []
    return out
  }
}
