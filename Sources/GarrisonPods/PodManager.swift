import Foundation
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonManifest
import GarrisonSupervisor

/// A pod as `get` and `describe` show it: its record and its status, corrected when the supervisor is gone.
public struct PodView: Sendable {
  public var paths: PodPaths
  public var record: PodRecord
  public var status: PodStatus
  /// Whether the supervisor process is alive.
  public var supervised: Bool
}

/// The CLI's entry point to pods: apply, list, view, delete. Daemonless: state lives under the root, each pod
/// has its own supervisor process.
public struct PodManager: Sendable {
  public let root: String
  public init(root: String) { self.root = root }

  public func paths(_ namespace: String, _ name: String) -> PodPaths { PodPaths(root: root, namespace: namespace, name: name) }

  /// Refuses names that are not Kubernetes names (they become path components under the root).
  public static func checkNames(namespace: String, name: String) throws {
    func ok(_ s: String, dots: Bool) -> Bool {
      !s.isEmpty && s.count <= (dots ? 253 : 63) && s.first!.isLetterOrDigitASCII && s.last!.isLetterOrDigitASCII
        && s.allSatisfy { $0.isLetterOrDigitASCII && !$0.isUppercase || $0 == "-" || (dots && $0 == ".") }
        && !s.contains("..")
    }
    guard ok(namespace, dots: false) else { throw GarrisonError(.usage, "invalid namespace \"\(namespace)\" (an RFC 1123 label)") }
    guard ok(name, dots: true) else { throw GarrisonError(.usage, "invalid pod name \"\(name)\" (an RFC 1123 subdomain)") }
  }

  // MARK: apply

  /// Applies one Pod: build (compile, resolve), fit check and create under the root lock, then start its
  /// supervisor. Returns `created` or `unchanged`.
  public func apply(_ object: ManifestObject, options: ApplyOptions, waitReady: Double = 10) throws -> String {
    let outcome = try apply([object], options: options)[0].get()
    if outcome == "created" && waitReady > 0 { try awaitSupervisor(object.namespace, object.name, timeout: waitReady) }
    return outcome
  }

  /// Applies several Pods as `apply` applies one, sharing what they can share: each is built (and its AppArmor
  /// profile loaded), then all are reserved under one hold of the root lock (the pods already there listed once
  /// for the fit check, the records and initial statuses written and fsync'd in parallel), every `pod.admitted`
  /// and `pod.refused` event is appended in one durable commit, in the order of `objects`, and only then are the
  /// supervisors started. The results are in the order of `objects` (`created`, `unchanged`, or the error).
  /// `wakes`: where the receivers of the started supervisors' wake-up sockets go (nil: no sockets).
  public func apply(_ objects: [ManifestObject], options: ApplyOptions, wakes: PodWakes? = nil) -> [Result<String, Error>] {
    // The audit log must be writable before anything runs (fail closed).
    let audit: PodAudit
    do { audit = try PodAudit(root: root) } catch { return objects.map { _ in .failure(error) } }
    var results: [Result<String, Error>] = objects.map { _ in .success("") }
    var built: [(index: Int, record: PodRecord)] = []
    for (k, o) in objects.enumerated() {
      do {
        PhaseTrace.mark("apply: build", o.name)
        let record = try PodBuilder(root: root, options: options).build(o)
        PhaseTrace.mark("apply: built", o.name)
        try DefaultAppArmorProfile.ensureLoaded(
          for: record, policiesDirectory: options.compiler.policiesDirectory, host: options.host, audit: audit)
        built.append((k, record))
      } catch {
        results[k] = .failure(error)
      }
    }
    do {
      for (b, reserved) in try reserve(built.map(\.record), skipFitCheck: options.skipFitCheck).enumerated() {
        results[built[b].index] = reserved
      }
    } catch {
      for b in built { results[b.index] = .failure(error) }
    }
    PhaseTrace.mark("apply: reserved", "\(built.count) pods")
    // One durable commit for the whole apply, before any supervisor starts: admitted pods, refused ones.
    var events: [AuditEvent] = []
    var created: [PodRecord] = []
    for (k, o) in objects.enumerated() {
      switch results[k] {
      case .success("created"):
        let record = built.first { $0.index == k }!.record
        events += PodAudit.admittedEvents(record)
        created.append(record)
      case .failure(let e as GarrisonError) where e.code == .refused || e.code == .unenforceable:
        events.append(PodAudit.refusedEvent(namespace: o.namespace, name: o.name, error: e))
      default: break
      }
    }
    do {
      try audit.append(events)
    } catch {
      for k in objects.indices { if case .success("created") = results[k] { results[k] = .failure(error) } }
      for k in objects.indices {
        if case .failure(let e as GarrisonError) = results[k], e.code == .refused || e.code == .unenforceable {
          results[k] = .failure(error)
        }
      }
      return results
    }
    PhaseTrace.mark("apply: audited", "\(events.count) events")
    for record in created {
      do {
        try startSupervisor(paths(record.namespace, record.name), executable: options.supervisorExecutable, wakes: wakes)
        PhaseTrace.mark("apply: supervisor spawned", record.name)
      } catch {
        if let k = built.first(where: { $0.record.namespace == record.namespace && $0.record.name == record.name })?.index {
          results[k] = .failure(error)
        }
      }
    }
    return results
  }

  /// Admits a built pod: AppArmor profile, the fit check and the name reservation under the root lock, the
  /// `pod.admitted` event, the supervisor. Workload controllers start their pods through here.
  public func admit(record: PodRecord, options: ApplyOptions, waitReady: Double, audit: PodAudit) throws -> String {
    try DefaultAppArmorProfile.ensureLoaded(
      for: record, policiesDirectory: options.compiler.policiesDirectory,
      host: options.host, audit: audit)
    let outcome = try reserve([record], skipFitCheck: options.skipFitCheck)[0].get()
    guard outcome == "created" else { return outcome }
    try audit.admitted(record)
    try startSupervisor(paths(record.namespace, record.name), executable: options.supervisorExecutable)
    if waitReady > 0 { try awaitSupervisor(record.namespace, record.name, timeout: waitReady) }
    return outcome
  }

  /// Reserves pods under one hold of the root lock: for each, in order, `unchanged` if it exists with the same
  /// spec (refused if different, or if its supervisor is gone), else the fit check beside every unfinished pod
  /// (those already there, listed once, and those reserved before it here), then its directory, record and
  /// initial status (the files of every pod written and fsync'd in parallel, all before the lock is released).
  /// Throws only when the lock cannot be taken; each pod's own failure is its result.
  func reserve(_ records: [PodRecord], skipFitCheck: Bool) throws -> [Result<String, Error>] {
    guard !records.isEmpty else { return [] }
    return try withRootLock {
      var results: [Result<String, Error>] = records.map { _ in .success("created") }
      var others: [PodRequests]?
      var fit: FitCheck?
      var reserved: [String: Int] = [:]  // namespace/name → index, for a pod named twice in one apply
      for (k, record) in records.enumerated() {
        do {
          let key = record.namespace + "/" + record.name
          let existing: PodRecord?
          if let earlier = reserved[key] {
            existing = records[earlier]
          } else if let stored = try JSONFile.read(PodRecord.self, from: paths(record.namespace, record.name).record) {
            if let v = try view(record.namespace, record.name), v.status.phase == .unknown {
              throw GarrisonError(
                .refused,
                "pod \(key) exists but its supervisor is gone (\(v.status.message ?? "")); delete it, then apply again")
            }
            existing = stored
          } else {
            existing = nil
          }
          if let existing {
            var a = existing
            var b = record
            a.createdAt = b.createdAt
            a.uid = b.uid
            b.runtime = a.runtime
            if a == b {
              results[k] = .success("unchanged")
              continue
            }
            throw GarrisonError(.refused, "pod \(key) already exists with a different spec; pods are immutable: delete it first")
          }
          if !skipFitCheck {
            if others == nil { others = try list(namespace: nil).filter { !$0.status.phase.isTerminal }.map(\.record.requests) }
            if fit == nil { fit = try FitCheck.host() }
            try fit!.check(record.requests, name: key, others: others!)
            others!.append(record.requests)
          }
          for part in [record.namespace, record.name] { try ContainedPath.name(part, operation: "apply") }
          try createDirectories(record)
          reserved[key] = k
        } catch {
          results[k] = .failure(error)
        }
      }
      // The files of the pods whose directories were made: every record and initial status in parallel (their
      // fsyncs share journal commits instead of taking turns).
      let writes = records.indices.filter { reserved[records[$0].namespace + "/" + records[$0].name] == $0 }
      let failures = FanOutSlots<Error>(count: writes.count * 2)
      BlockingFanOut.perform(writes.count * 2) { j in
        let record = records[writes[j / 2]]
        do {
          if j % 2 == 0 { try writeRecord(record) } else { try writeInitialStatus(record) }
        } catch {
          failures.set(j, error)
        }
      }
      for (w, k) in writes.enumerated() {
        if let error = failures.get(2 * w) ?? failures.get(2 * w + 1) { results[k] = .failure(error) }
      }
      return results
    }
  }

  /// The pod's directory and its containers' bundle directories (caller holds the root lock).
  func createDirectories(_ record: PodRecord) throws {
    let p = paths(record.namespace, record.name)
    try StateDirectory.ensure(PodPaths.podsDirectory(root), mode: 0o700)
    try StateDirectory.ensure((p.directory as NSString).deletingLastPathComponent, mode: 0o700)
    guard mkdir(p.directory, 0o700) == 0 else {
      throw GarrisonError(.system, operation: "mkdir", "cannot create \(p.directory)", errno: errno)
    }
    for c in record.containers { try FS.mkdirs(p.bundle(c.name)) }
  }

  /// `record.json`, durable (it holds secret volume contents: mode 0600).
  func writeRecord(_ record: PodRecord) throws {
    try JSONFile.write(record, to: paths(record.namespace, record.name).record, mode: 0o600)
  }

  /// The status a pod has until its supervisor writes its own: pending, scheduled by apply.
  func writeInitialStatus(_ record: PodRecord) throws {
    var initial = PodStatus(
      phase: .pending,
      containers: record.containers.map {
        ContainerStatus(name: $0.name, role: $0.role, runtimeID: record.runtimeID($0.name))
      })
    initial.events.append(PodEvent(type: "Normal", reason: "Scheduled", message: "accepted by garrison apply"))
    initial.refreshConditions(now: record.createdAt, scheduledAt: record.createdAt)
    try JSONFile.write(initial, to: paths(record.namespace, record.name).status)
  }

  /// Waits until the pod's supervisor has started (written its identity to `status.json`): woken by inotify when
  /// a file in the pod directory changes (the supervisor's atomic replace is a rename), not by 10 ms polls.
  /// `shared`: an inotify instance the caller keeps for its later waits (`apply --wait` passes the same one to
  /// `waitRunning`); without it, one of its own. Closing an instance that has watches waits for the kernel to
  /// destroy them (an SRCU grace period, 5 ms measured between the supervisor's spawn and `waitRunning` here).
  /// `wakes`: when it holds the pod's wake-up socket (this apply started the supervisor), the wait polls that instead:
  /// no inotify instance, and a supervisor that exits before writing its identity ends the wait at once.
  public func awaitSupervisor(
    _ namespace: String, _ name: String, timeout: Double = 10, events shared: FileEvents? = nil, wakes: PodWakes? = nil
  ) throws {
    let p = paths(namespace, name)
    let deadline = Date(timeIntervalSinceNow: timeout)
    func started() throws -> Bool { try JSONFile.read(PodStatus.self, from: p.status)?.supervisor != nil }
    if let wake = wakes?[p.directory] {
      while Date() < deadline {
        if try started() { return }
        var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        _ = try? Kernel.poll(&fds, timeoutMilliseconds: Int32(max(1, min(1000, deadline.timeIntervalSinceNow * 1000))))
        if !WakeSocket.drain(wake) {
          wakes?.drop(p.directory)
          if try started() { return }
          break
        }
      }
      throw GarrisonError(.system, operation: "supervise", "the supervisor of \(namespace)/\(name) did not start; see \(p.supervisorLog)")
    }
    // Without inotify (no instance left), a 10 ms poll as before: this is a wait, not a check.
    var events: FileEvents? = shared ?? (try? FileEvents())
    do { try events?.watch(p.directory) } catch { events = nil }
    var look = true
    while Date() < deadline {
      if look, try started() { return }
      guard let events else {
        usleep(10_000)
        continue
      }
      var fds = [pollfd(fd: events.fd, events: Int16(POLLIN), revents: 0)]
      let left = Int32(max(1, min(1000, deadline.timeIntervalSinceNow * 1000)))
      _ = try? Kernel.poll(&fds, timeoutMilliseconds: left)
      // status.json read again when it was replaced (not for the supervisor's temporary files), or after a quiet second.
      let changes = events.drain()
      look = changes.isEmpty || changes.contains { PodRunningWait.matters($0.name) }
    }
    throw GarrisonError(.system, operation: "supervise", "the supervisor of \(namespace)/\(name) did not start; see \(p.supervisorLog)")
  }

  /// Starts the pod's supervisor (`garrison-supervisor`) detached (its own session, stdio to `supervisor.log`), via
  /// posix_spawn. With `wakes`, it gets the sender end of a new `WakeSocket` at fd 3 (`--wake-fd 3`) and the receiver
  /// goes into `wakes`; when the socket cannot be made, the supervisor starts without one.
  func startSupervisor(_ p: PodPaths, executable: String, wakes: PodWakes? = nil) throws {
    let fd = open(p.supervisorLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open \(p.supervisorLog)", errno: errno) }
    defer { close(fd) }
    // A clean environment: a fixed PATH for the tools it runs (unshare, ip, nsenter, the runtime), nothing
    // else from the caller (no LD_PRELOAD and the like in a root process that outlives the command).
    var env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]
    for key in ["GARRISON_POLICIES", "GARRISON_TRACE_PHASES"] {
      if let v = ProcessInfo.processInfo.environment[key] { env.append("\(key)=\(v)") }
    }
    // garrison-supervisor beside the garrison executable (static; while the pod is quiescent it execs garrison-keeper
    // from the same directory, ~0.7 MB resident), else `garrison supervise` (the same code in this executable, which
    // stays resident).
    let slim = PathName.join(PathName.deletingLastComponent(executable), SupervisorMain.executableName)
    var argv =
      (Kernel.isExecutable(slim) ? [slim] : [executable, "supervise"]) + ["--root", root, "--namespace", p.namespace, "--name", p.name]
    let wake = wakes == nil ? nil : try? WakeSocket.pair()
    if wake != nil { argv += ["--wake-fd", String(SupervisorMain.wakeFD)] }
    do {
      _ = try Spawn.start(
        argv, io: SpawnIO(stdout: fd, stderr: fd, inherited: wake.map { [$0.sender] } ?? []), newSession: true,
        environment: env)
    } catch {
      if let wake {
        Kernel.close(wake.receiver)
        Kernel.close(wake.sender)
      }
      throw error
    }
    if let wake {
      Kernel.close(wake.sender)
      wakes?.add(p.directory, wake.receiver)
    }
  }

  /// Runs under an exclusive lock on `<root>/pods.lock` (fit check and name reservation are atomic).
  func withRootLock<T>(_ body: () throws -> T) throws -> T {
    try StateDirectory.ensure(root, mode: 0o711, createParents: true)
    let fd = open(root + "/pods.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw GarrisonError(.system, operation: "open", "cannot open \(root)/pods.lock", errno: errno) }
    defer { close(fd) }
    guard flock(fd, LOCK_EX) == 0 else { throw GarrisonError(.system, operation: "flock", "cannot lock \(root)", errno: errno) }
    return try body()
  }

  // MARK: read

  /// Every pod, in one namespace or all (`nil`), sorted by namespace and name.
  public func list(namespace: String?) throws -> [PodView] {
    let base = PodPaths.podsDirectory(root)
    let fm = FileManager.default
    let namespaces = namespace.map { [$0] } ?? ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted()
    var out: [PodView] = []
    for ns in namespaces {
      for name in ((try? fm.contentsOfDirectory(atPath: base + "/" + ns)) ?? []).sorted() {
        guard (try? Self.checkNames(namespace: ns, name: name)) != nil else { continue }  // not a pod directory
        if let v = try view(ns, name) { out.append(v) }
      }
    }
    return out
  }

  /// One pod, or nil.
  public func view(_ namespace: String, _ name: String) throws -> PodView? {
    try Self.checkNames(namespace: namespace, name: name)
    let p = paths(namespace, name)
    guard let record = try JSONFile.read(PodRecord.self, from: p.record) else { return nil }
    return try view(p, record: record)
  }

  /// The view of a pod whose record the caller already holds (`record.json` is written once by apply, so a
  /// long-running reader such as the metrics exporter decodes it once): reads only the status.
  public func view(_ p: PodPaths, record: PodRecord) throws -> PodView {
    view(p, record: record, status: try JSONFile.read(PodStatus.self, from: p.status) ?? PodStatus(phase: .pending, containers: []))
  }

  /// The view from a record and a status the caller already decoded (the exporter decodes `status.json` again only
  /// when the supervisor has replaced it), corrected when the supervisor is gone.
  public func view(_ p: PodPaths, record: PodRecord, status: PodStatus) -> PodView {
    var status = status
    let alive = status.supervisor.map(ProcessProbe.isAlive) ?? false
    if !alive && !status.phase.isTerminal && status.supervisor != nil {
      status.phase = .unknown
      status.reason = "SupervisorLost"
      status.message = "supervisor pid \(status.supervisor!.pid) is gone; containers are no longer supervised (delete the pod to clean up)"
      for i in status.containers.indices where status.containers[i].state.kind == .running {
        let pid = status.containers[i].pid ?? 0
        if pid <= 0 || kill(pid, 0) != 0 {
          status.containers[i].state = ContainerStateInfo(
            kind: .terminated, reason: "ContainerStatusUnknown",
            message: "the container could not be located when the pod was checked", exitCode: 137)
        }
      }
      for i in status.containers.indices where status.containers[i].role != .initContainer { status.containers[i].ready = false }
      status.refreshConditions(now: Date(), scheduledAt: record.createdAt)
    }
    return PodView(paths: p, record: record, status: status, supervised: alive)
  }

  /// Waits until `predicate` holds for the pod's view (or `timeout` seconds pass); returns the last view.
  public func wait(_ namespace: String, _ name: String, timeout: Double, until predicate: (PodView) -> Bool) throws -> PodView? {
    let deadline = Date(timeIntervalSinceNow: timeout)
    var last: PodView?
    repeat {
      last = try view(namespace, name)
      if let v = last, predicate(v) { return v }
      usleep(50_000)
    } while Date() < deadline
    return last
  }

  // MARK: delete

  /// Stops the supervisor (SIGTERM, then SIGKILL after the grace period), then removes whatever is left:
  /// containers, sandbox, veth and IP lease, mounts, cgroups, the pod directory. Works after a `kill -9`.
  @discardableResult
  public func delete(_ namespace: String, _ name: String, grace: Double? = nil) throws -> Bool {
    try Self.checkNames(namespace: namespace, name: name)
    let p = paths(namespace, name)
    guard let record = try JSONFile.read(PodRecord.self, from: p.record) else {
      if FileManager.default.fileExists(atPath: p.directory) {
        try PodCleanup.removeDirectory(p)
        return true
      }
      return false
    }
    // stop.json before the status is read: a supervisor that records itself after this read finds it at its
    // start and creates nothing. The supervisor reads the grace period from it when SIGTERM arrives.
    try JSONFile.write(StopRequest(gracePeriodSeconds: grace ?? Double(record.terminationGracePeriodSeconds)), to: p.stopRequest)
    let status = try JSONFile.read(PodStatus.self, from: p.status)
    if let sup = status?.supervisor, ProcessProbe.isAlive(sup) {
      PhaseTrace.mark("delete: stopping supervisor")
      ProcessProbe.signal(sup, SIGTERM)
      let limit = (grace ?? Double(record.terminationGracePeriodSeconds)) + 10
      if !ProcessProbe.waitExit(sup, timeout: limit) {
        ProcessProbe.signal(sup, SIGKILL)
        // Gone before the cleanup starts: a system call it was in (a mount) must not complete after it.
        ProcessProbe.waitExit(sup, timeout: 5)
      }
      PhaseTrace.mark("delete: supervisor gone")
    }
    let latest = try JSONFile.read(PodStatus.self, from: p.status) ?? status
    try PodCleanup.run(record: record, status: latest, paths: p)
    // The record goes first: while the rest of the directory is removed (in directory order, stop.json perhaps
    // before status.json) the pod is already gone from every listing, never seen half-deleted as a live pod.
    guard Glibc.unlink(p.record) == 0 || errno == ENOENT else {
      throw GarrisonError(.system, operation: "unlink", "cannot remove \(p.record)", errno: errno)
    }
    try PodCleanup.removeDirectory(p)
    PhaseTrace.mark("delete: removed")
    return true
  }

  /// Deletes several pods at once (each as `delete`, all in parallel: one thread per pod, since each mostly waits
  /// for its supervisor to stop, so the SIGTERMs go out as one wave); the results in the order of `pods`.
  /// (`DispatchQueue.concurrentPerform` ran only as many deletes at a time as there are CPUs: 20 pods took ten
  /// turns of stop-and-clean-up on two CPUs.)
  public func delete(_ pods: [(namespace: String, name: String)], grace: Double? = nil) -> [Result<Bool, Error>] {
    let slots = FanOutSlots<Result<Bool, Error>>(count: pods.count)
    BlockingFanOut.perform(pods.count) { k in
      slots.set(k, Result { try delete(pods[k].namespace, pods[k].name, grace: grace) })
    }
    return pods.indices.map { slots.get($0)! }
  }
}

extension Character {
  var isLetterOrDigitASCII: Bool { isASCII && (isLetter || isNumber) }
}
