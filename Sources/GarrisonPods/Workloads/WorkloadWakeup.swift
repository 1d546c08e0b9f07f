import GarrisonKernel
import Glibc

/// What a workload controller sleeps on between passes, so it reacts to an event instead of its next tick: the
/// exit of any of its pods' supervisors (a pidfd each: a `kill -9` writes no file), a change in its pods'
/// directories (`status.json` replaced by the supervisor, `stop.json` written by a delete, `record.json`
/// removed), a pod directory created or removed in the namespace, and its own `object.json` replaced (apply,
/// scale, rollout). Without inotify or pidfds (old kernels) it degrades to the tick.
final class WorkloadWakeup {
  /// The entries whose change is worth a pass: in the workload's directory, in a pod's directory.
  static let objectFiles: Set<String> = ["object.json"]
  static let podFiles: Set<String> = ["status.json", "stop.json", "record.json"]

  let objectDirectory: String
  let podsDirectory: String
  let events: FileEvents?
  /// Open pidfds of live supervisors, by `pid:starttime`.
  private var pidfds: [String: Int32] = [:]
  /// Supervisors seen exited (their pidfd fired and was closed), not opened again.
  private var exited: Set<String> = []

  init(objectDirectory: String, podsDirectory: String) {
    self.objectDirectory = objectDirectory
    self.podsDirectory = podsDirectory
    events = try? FileEvents()
    try? events?.watch(objectDirectory)
  }

  deinit { for fd in pidfds.values { close(fd) } }

  /// Follows exactly these pods' directories and supervisors from now on. True when a supervisor is already
  /// gone (the caller runs a pass at once).
  func track(podDirectories: [String], supervisors: [ProcessRef]) -> Bool {
    if let events {
      try? events.watch(podsDirectory)
      let keep = Set(podDirectories).union([objectDirectory, podsDirectory])
      events.unwatch(except: keep)
      for d in podDirectories { try? events.watch(d) }
    }
    var gone = false
    let keys = Set(supervisors.map(Self.key))
    for (k, fd) in pidfds where !keys.contains(k) {
      close(fd)
      pidfds[k] = nil
    }
    exited.formIntersection(keys)
    for ref in supervisors where pidfds[Self.key(ref)] == nil && !exited.contains(Self.key(ref)) {
      guard let fd = try? Kernel.pidfdOpen(ref.pid) else {
        exited.insert(Self.key(ref))
        gone = true
        continue
      }
      // The pid may name a newer process: the start time decides (the pidfd then refers to the right one).
      guard ProcessProbe.isAlive(ref) else {
        close(fd)
        exited.insert(Self.key(ref))
        gone = true
        continue
      }
      pidfds[Self.key(ref)] = fd
    }
    return gone
  }

  /// Sleeps until an event that is worth a pass or `timeout` seconds.
  func wait(timeout: Double) {
    let deadline = Kernel.monotonicNanoseconds() + UInt64(timeout * 1e9)
    while true {
      let now = Kernel.monotonicNanoseconds()
      guard now < deadline else { return }
      let keys = Array(pidfds.keys)
      var fds = keys.map { pollfd(fd: pidfds[$0]!, events: Int16(POLLIN), revents: 0) }
      if let events { fds.append(pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)) }
      let ms = Int32(max(1, (deadline - now) / 1_000_000))
      guard let n = try? Kernel.poll(&fds, timeoutMilliseconds: ms) else {
        usleep(UInt32(min(deadline - now, 200_000_000) / 1000))
        return
      }
      if n == 0 { continue }
      var relevant = false
      for (i, k) in keys.enumerated() where fds[i].revents != 0 {
        close(pidfds[k]!)
        pidfds[k] = nil
        exited.insert(k)
        relevant = true
      }
      if let events, fds.last!.revents != 0 {
        for e in events.drain() where isRelevant(e.directory, e.name) { relevant = true }
      }
      if relevant {
        // A burst (a pod's deletion removes several files) is one pass: 5 ms to let it finish, then drop it.
        usleep(5_000)
        _ = events?.drain()
        return
      }
    }
  }

  func isRelevant(_ directory: String, _ name: String) -> Bool {
    if directory == objectDirectory { return name.isEmpty || Self.objectFiles.contains(name) }
    if directory == podsDirectory { return true }
    return name.isEmpty || Self.podFiles.contains(name)
  }

  static func key(_ r: ProcessRef) -> String { "\(r.pid):\(r.startTime)" }
}
