import Foundation
import GarrisonAudit
import GarrisonCore
import GarrisonKernel

/// `garrison port-forward`: local TCP ports relayed to ports on a pod's loopback, inside the pod's network
/// namespace, as kubelet's port-forward does.
///
/// No host tool and no fork: each connection to the pod is made by a short-lived thread that joined the pod's
/// network namespace with `setns(2)` (``NamespaceThread``); the socket stays in that namespace, and the bytes are
/// relayed by two threads per connection with `splice(2)` (``TCPRelay``). The listener binds 127.0.0.1 unless an
/// address is asked for. `portforward.opened` and `portforward.closed` (with the connections and the bytes each
/// way) go into the pod's audit log.
public final class PortForward: @unchecked Sendable {
  /// One `[LOCAL:]REMOTE` pair (`8080:80`, `:80` for a free local port, `80` for the same on both sides).
  public struct Mapping: Sendable, Equatable {
    public var local: UInt16
    public var remote: UInt16

    public init(parsing text: String) throws {
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      func port(_ s: Substring, allowZero: Bool) throws -> UInt16 {
        guard let p = UInt16(s), allowZero || p > 0 else {
          throw GarrisonError(.usage, "invalid port in \(Quoted.quoted(text)): ports are 1-65535 ([LOCAL_PORT:]REMOTE_PORT)")
        }
        return p
      }
      switch parts.count {
      case 1:
        remote = try port(parts[0], allowZero: false)
        local = remote
      case 2:
        remote = try port(parts[1], allowZero: false)
        local = parts[0].isEmpty ? 0 : try port(parts[0], allowZero: true)
      default:
        throw GarrisonError(.usage, "invalid port mapping \(Quoted.quoted(text)) ([LOCAL_PORT:]REMOTE_PORT)")
      }
    }
  }

  /// Asked by SIGINT/SIGTERM (a C signal handler cannot capture).
  nonisolated(unsafe) static var stopRequested: sig_atomic_t = 0

  let manager: PodManager
  let view: PodView
  let address: String
  let lock = Lock()
  var connections: [UInt16: Int] = [:]
  var toPod: [UInt16: UInt64] = [:]
  var fromPod: [UInt16: UInt64] = [:]

  /// Finds the pod (exit 2 if unknown) and checks it is running (exit 3 otherwise).
  public init(manager: PodManager, namespace: String, pod: String, address: String) throws {
    guard let v = try manager.view(namespace, pod) else {
      throw GarrisonError(.notFound, "pods \"\(pod)\" not found in namespace \"\(namespace)\"")
    }
    guard v.supervised, v.status.phase == .running else {
      throw GarrisonError(.refused, "unable to forward ports: pod \"\(pod)\" is not running (\(v.status.phase.rawValue))")
    }
    self.manager = manager
    self.view = v
    self.address = address
  }

  /// The pod's network namespace (nil for a host-network pod: its loopback is the host's).
  var namespaces: [NamespaceThread.Target] {
    guard !view.record.namespaces.hostNetwork, let box = view.status.sandbox else { return [] }
    return [.init(path: "/proc/\(box.pid)/ns/net", type: LinuxConstants.CLONE_NEWNET)]
  }

  /// Listens on every mapping, prints kubectl's `Forwarding from 127.0.0.1:8080 -> 80` lines through `say`, and
  /// relays until SIGINT/SIGTERM (returns 0) or until the pod stops running (throws).
  public func run(_ mappings: [Mapping], say: (String) -> Void) throws -> Int32 {
    guard !mappings.isEmpty else { throw GarrisonError(.usage, "at least one port is required ([LOCAL_PORT:]REMOTE_PORT)") }
    guard namespaces.count == 1 || view.record.namespaces.hostNetwork else {
      throw GarrisonError(.refused, "pod \(view.record.name) has no sandbox network namespace")
    }
    var listeners: [(fd: Int32, local: UInt16, remote: UInt16)] = []
    defer { for l in listeners { close(l.fd) } }
    for m in mappings {
      let (fd, port) = try TCPRelay.listen(address: address, port: m.local)
      listeners.append((fd, port, m.remote))
    }
    let audit = try PodAudit(root: manager.root)
    let object = AuditObject(namespace: view.record.namespace, pod: view.record.name, podUID: view.record.uid)
    try audit.append(
      listeners.map {
        AuditEvent(
          kind: .portForwardOpened, outcome: .allowed, object: object,
          details: AuditDetails.portForward(localAddress: address, localPort: Int($0.local), podPort: Int($0.remote)))
      })
    for l in listeners { say("Forwarding from \(address):\(l.local) -> \(l.remote)") }
    Self.stopRequested = 0
    Kernel.unblockSignals([SIGINT, SIGTERM])  // a parent may have left them blocked
    let handlers = [SIGINT, SIGTERM].map { ($0, signal($0) { _ in PortForward.stopRequested = 1 }) }
    signal(SIGPIPE, SIG_IGN)
    defer { for (s, old) in handlers { signal(s, old) } }
    var lost: GarrisonError?
    var lastCheck = ContinuousClock.now
    while Self.stopRequested == 0 {
      var fds = listeners.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
      let n = poll(&fds, nfds_t(fds.count), 250)
      if n > 0 {
        for (i, p) in fds.enumerated() where p.revents & Int16(POLLIN) != 0 {
          if let client = try? TCPRelay.accept(listeners[i].fd) { serve(client, remote: listeners[i].remote) }
        }
      }
      if ContinuousClock.now - lastCheck > .milliseconds(500) {
        lastCheck = .now
        if let why = podGone() {
          lost = GarrisonError(.system, "lost connection to pod: \(why)")
          break
        }
      }
    }
    try audit.append(
      listeners.map { l in
        lock.withLock {
          AuditEvent(
            kind: .portForwardClosed, outcome: lost == nil ? .allowed : .error, object: object,
            details: AuditDetails.portForward(
              localAddress: address, localPort: Int(l.local), podPort: Int(l.remote),
              connections: connections[l.remote, default: 0],
              bytesToPod: Int64(toPod[l.remote, default: 0]),
              bytesFromPod: Int64(fromPod[l.remote, default: 0])))
        }
      })
    if let lost { throw lost }
    return 0
  }

  /// Why the pod can no longer be reached, or nil while it runs.
  func podGone() -> String? {
    guard let now = try? manager.view(view.record.namespace, view.record.name) else { return "the pod was deleted" }
    if !now.supervised || now.status.phase != .running { return "the pod is \(now.status.phase.rawValue)" }
    if let box = view.status.sandbox, !ProcessProbe.isAlive(box) { return "the pod's sandbox is gone" }
    return nil
  }

  /// One accepted connection: connect inside the pod, relay both ways on two threads, then close both.
  func serve(_ client: Int32, remote: UInt16) {
    let targets = namespaces
    Thread.detachNewThread { [self] in
      let upstream: Int32
      do {
        upstream = try NamespaceThread.run(joining: targets) { try TCPRelay.connect(address: "127.0.0.1", port: remote) }
      } catch {
        StandardError.write("error: an error occurred forwarding to \(remote): \(error)\n")
        close(client)
        return
      }
      lock.withLock { connections[remote, default: 0] += 1 }
      let done = DispatchSemaphore(value: 0)
      Thread.detachNewThread {
        let n = TCPRelay.copy(from: upstream, to: client)
        self.lock.withLock { self.fromPod[remote, default: 0] += n }
        done.signal()
      }
      let n = TCPRelay.copy(from: client, to: upstream)
      lock.withLock { toPod[remote, default: 0] += n }
      done.wait()
      close(client)
      close(upstream)
    }
  }
}
