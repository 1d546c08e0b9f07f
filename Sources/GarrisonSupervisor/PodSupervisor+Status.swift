#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonOCI

/// Events, audit and the atomically written status.
extension PodSupervisor {
  // MARK: status

  /// The audit log, opened now if the resume deferred it (a failure is a pod event, as at the start).
  func openedAudit() -> PodAudit? {
    if auditDeferred {
      auditDeferred = false
      do {
        audit = try PodAudit(root: paths.root)
      } catch {
        event("Warning", "AuditUnavailable", "cannot open the audit log: \(error)")
      }
    }
    return audit
  }

  /// Appends audit events; a failure is a pod event (the pod keeps running: its state is still recorded).
  func auditing(_ body: (PodAudit) throws -> Void) {
    guard let audit = openedAudit() else { return }
    do {
      try body(audit)
    } catch {
      event("Warning", "AuditFailed", "\(error)")
    }
  }

  func event(_ type: String, _ reason: String, _ message: String) {
    status.events.append(PodEvent(type: type, reason: reason, message: message))
    if status.events.count > 200 { status.events.removeFirst(status.events.count - 200) }
    dirty = true
  }

  func save() {
    // No status reports a container before its `container.started` event is durable.
    if !heldAudit.isEmpty {
      let held = heldAudit
      heldAudit = []
      auditing { try $0.append(held) }
    }
    status.refreshConditions(now: Date(), scheduledAt: record.createdAt)
    do {
      // Atomic (a reader sees a whole file) but not fsync'd: it describes processes that die with the machine, and
      // three fsyncs (identity, sandbox ready, running) were on every pod start's path. The audit log is the
      // durable record; its events are fsync'd before the status reporting them is written.
      try SupervisorStateWriter.write(status, to: paths.status)
      dirty = false
      // The apply that started this supervisor wakes and re-reads the status; once it is gone, no more sends.
      if let fd = wake, !WakeSocket.notify(fd) {
        Kernel.close(fd)
        wake = nil
      }
    } catch {
      StandardError.write("garrison supervise: cannot write status: \(error)\n")
    }
  }
}

/// A SIGTERM/SIGINT flag: both signals are blocked (every thread started afterwards inherits the mask; spawned
/// processes get an empty mask and default dispositions from `SpawnAttributes`) and a thread takes them with
/// `sigwait`, sets the flag and wakes the supervisor's loop. Before an `execve` of garrison-keeper the thread is
/// parked (`park`, woken by a SIGUSR2 sent to it alone) so that it consumes no signal the exec would lose: a
/// SIGTERM that arrives then stays pending (blocked) for the keeper's signalfd.
final class TerminationFlag: @unchecked Sendable {
  private let condition = Condition()
  private var set = false
  private var thread: pthread_t?
  private var parking = false
  private var parked = false

  var isSet: Bool {
    condition.lock()
    defer { condition.unlock() }
    return set
  }

  /// Sets the flag as if a signal had arrived (a stop request garrison-keeper received).
  func request() {
    condition.lock()
    set = true
    condition.unlock()
  }

  /// Call before any other thread starts.
  func install(_ wake: @escaping @Sendable () -> Void) {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGTERM)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGUSR2)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    let waited = signals
    DetachedThread.start { [self] in
      condition.lock()
      thread = pthread_self()
      condition.unlock()
      var set = waited
      while true {
        var sig: Int32 = 0
        guard sigwait(&set, &sig) == 0 else { continue }
        let stop = sig == SIGTERM || sig == SIGINT
        condition.lock()
        if stop { self.set = true }
        condition.unlock()
        if stop { wake() }
        condition.lock()
        if parking {
          parked = true
          condition.broadcast()
          while parking { condition.wait() }
          parked = false
        }
        condition.unlock()
      }
    }
  }

  /// Parks the signal thread for an exec; false (and the thread left running) if a stop was requested or the
  /// thread did not answer within a second.
  func park() -> Bool {
    condition.lock()
    guard let t = thread, !set else {
      condition.unlock()
      return false
    }
    parking = true
    condition.unlock()
    pthread_kill(t, SIGUSR2)
    condition.lock()
    var answered = true
    while !parked && answered { answered = condition.wait(seconds: 1) }
    let ok = parked && !set
    condition.unlock()
    if !ok { unpark() }
    return ok
  }

  /// Lets the signal thread take signals again.
  func unpark() {
    condition.lock()
    parking = false
    condition.broadcast()
    condition.unlock()
  }
}

/// The host's primary IPv4 address (for hostNetwork pods and the status): the source address of the route to
/// 1.1.1.1, as `ip -4 route get 1.1.1.1` prints it (no process: ``RouteSource``).
enum HostAddress {
  static func primary() -> String? { RouteSource.address(to: "1.1.1.1") }
}
