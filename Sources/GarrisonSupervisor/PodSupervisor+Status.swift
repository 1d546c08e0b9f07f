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

  /// Appends audit events; a failure is a pod event (the pod keeps running: its state is still recorded).
  func auditing(_ body: (PodAudit) throws -> Void) {
    guard let audit else { return }
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
      try JSONFile.write(status, to: paths.status, durable: false)
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
/// `sigwait`, sets the flag and wakes the supervisor's loop.
final class TerminationFlag: @unchecked Sendable {
  private let lock = Lock()
  private var set = false

  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return set
  }

  /// Call before any other thread starts.
  func install(_ wake: @escaping @Sendable () -> Void) {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGTERM)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
    let waited = signals
    DetachedThread.start { [self] in
      var set = waited
      while true {
        var sig: Int32 = 0
        guard sigwait(&set, &sig) == 0 else { continue }
        lock.lock()
        self.set = true
        lock.unlock()
        wake()
      }
    }
  }
}

/// The host's primary IPv4 address (for hostNetwork pods and the status): the source address of the route to
/// 1.1.1.1, as `ip -4 route get 1.1.1.1` prints it (no process: ``RouteSource``).
enum HostAddress {
  static func primary() -> String? { RouteSource.address(to: "1.1.1.1") }
}
