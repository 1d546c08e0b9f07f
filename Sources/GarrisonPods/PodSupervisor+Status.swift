import Foundation
import GarrisonCore
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
    status.refreshConditions(now: Date(), scheduledAt: record.createdAt)
    do {
      try JSONFile.write(status, to: paths.status)
      dirty = false
    } catch {
      FileHandle.standardError.write(Data("garrison supervise: cannot write status: \(error)\n".utf8))
    }
  }
}

/// A SIGTERM/SIGINT flag set from a dispatch signal source.
final class TerminationFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var set = false
  private var sources: [DispatchSourceSignal] = []

  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return set
  }

  func install(_ wake: @escaping @Sendable () -> Void) {
    for sig in [SIGTERM, SIGINT] {
      signal(sig, SIG_IGN)
      let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      s.setEventHandler { [self] in
        lock.lock()
        set = true
        lock.unlock()
        wake()
      }
      s.resume()
      sources.append(s)
    }
  }
}

/// The host's primary IPv4 address (for hostNetwork pods), from `ip route get`.
enum HostAddress {
  static func primary(wait: (pid_t) throws -> ExitStatus) -> String? {
    guard let r = try? Spawn.run(["ip", "-4", "route", "get", "1.1.1.1"], wait: wait), r.succeeded else { return nil }
    let f = r.output.split(separator: " ")
    guard let i = f.firstIndex(of: "src"), i + 1 < f.count else { return nil }
    return String(f[i + 1])
  }
}
