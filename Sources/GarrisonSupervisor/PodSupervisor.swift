#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI

/// The per-pod supervisor (`garrison supervise`): holds the sandbox, prepares volumes, starts init containers
/// one at a time, sidecars in order, then app containers; restarts them per restartPolicy with backoff; is the
/// single reaper of their exit statuses; writes logs and `status.json`. One process per pod, daemonless.
public final class PodSupervisor: @unchecked Sendable {
  let paths: PodPaths
  let record: PodRecord
  let reaper = Reaper()
  let runtime: OCIRuntimeBinary
  var status: PodStatus
  var sandbox: Sandbox?
  var volumeSources: [String: String] = [:]
  var running: [String: Running] = [:]
  /// When each container may start again (backoff), and how many back-to-back failures count toward it.
  var notBefore: [String: Date] = [:]
  var backoffCount: [String: Int] = [:]
  var started: Set<String> = []
  /// Containers whose runtime adjustments were already reported.
  var noted: Set<String> = []
  let termination = TerminationFlag()
  var dirty = true
  /// The audit log (nil if it could not be opened: recorded as a pod event and on stderr).
  var audit: PodAudit?
  /// A resumed supervisor opens the audit log when it first writes to it (`openedAudit`).
  var auditDeferred = false
  /// Seccomp denials of this pod's containers, from the kernel log (nil if /dev/kmsg cannot be read).
  var seccompDenials: SeccompDenialMonitor?
  /// Probe decisions per running container with probes, the results probe threads hand back, the run of each
  /// container (results of an earlier run are dropped), and when a probe-triggered kill escalates to SIGKILL.
  var probing: [String: ProbeScheduler] = [:]
  let probeResults = ProbeResults()
  var containerRun: [String: Int] = [:]
  var killDeadline: [String: Date] = [:]
  /// Containers whose roots and configs were prepared while an earlier container ran (first starts only).
  var preparedAhead: [String: PreparedStart] = [:]
  var preparedAheadTried: Set<String> = []
  /// App containers the runtime creates while the last init container runs, started at their turn.
  var createdAhead: [String: CreatedAhead] = [:]
  /// `container.started` events of containers that exited before they were committed: appended in one durable
  /// write with their exit (`collectExits`), or before any status is saved.
  var heldAudit: [AuditEvent] = []
  /// Since when (monotonic nanoseconds) the pod has been quiescent, for the handover to garrison-keeper.
  var quietSince: UInt64?
  /// The sender end of the `WakeSocket` of the apply that started this supervisor (nil: none, or apply is gone).
  var wake: Int32?
  /// Exited containers whose runtime state and mounts are removed after the next containers started.
  var pendingCleanup: [String] = []
  /// The host's LSMs, probed once for this supervisor process: which labels it mounts and relabels with, and what
  /// `BundleSpec.patch` keeps for crun.
  let host: HostLSM

  /// The pod's cgroup path below each hierarchy's root, parent of its containers' cgroups.
  var cgroupParent: String { "/garrison/\(record.uid)" }

  /// This pod's claims on seccomp records nobody can attribute; nil (this supervisor then writes every such record,
  /// as other pods may too) when the claims directory cannot be opened.
  func seccompClaims() -> SeccompRecordClaims? {
    do { return try SeccompRecordClaims(root: paths.root, podUID: record.uid) } catch {
      event("Warning", "SeccompClaimsUnavailable", "seccomp records of exited processes may be audited twice: \(error)")
      return nil
    }
  }

  struct Running {
    var pid: Int32
    var log: ContainerLogWriter
    var startedAt: Date
  }

  public init(paths: PodPaths, record: PodRecord, host: HostLSM) {
    self.host = host
    self.paths = paths
    self.record = record
    let r = reaper
    self.runtime = OCIRuntimeBinary(path: record.runtime.path, root: record.runtime.root, waiter: { r.wait($0) })
    var st = PodStatus(
      phase: .pending,
      containers: record.containers.map {
        ContainerStatus(name: $0.name, role: $0.role, runtimeID: record.runtimeID($0.name))
      })
    st.cgroupParent = "/garrison/\(record.uid)"  // self.cgroupParent, before self is whole
    self.status = st
  }

  /// Runs the pod until it finishes or the supervisor is told to stop (SIGTERM); returns the exit code.
  public func run() -> Int32 {
    PhaseTrace.mark("supervisor started")
    status.supervisor = ProcessProbe.ref(getpid())
    status.startedAt = Date()
    termination.install { [reaper] in reaper.poke() }
    // Identity first, then the stop request: a `delete` that wrote stop.json before it could see this
    // supervisor (a pod deleted right after its creation) finds it here, and nothing is created.
    save()
    PhaseTrace.mark("identity saved")
    if FileManager.default.fileExists(atPath: paths.stopRequest) {
      status.phase = .failed
      status.reason = "Deleted"
      save()
      return 0
    }
    do {
      audit = try PodAudit(root: paths.root)
    } catch {
      event("Warning", "AuditUnavailable", "cannot open the audit log: \(error)")
    }
    do {
      let record = self.record
      seccompDenials = try SeccompDenialMonitor(cgroupParent: cgroupParent, claims: seccompClaims()) { container in
        AuditObject(namespace: record.namespace, pod: record.name, podUID: record.uid, container: container)
      }
    } catch {
      event("Warning", "SeccompDenialsUnavailable", "seccomp denials will not be audited: \(error)")
    }
    PhaseTrace.mark("audit opened")
    do {
      try reaper.start()
      try setUpSandbox()
    } catch {
      event("Warning", "FailedCreatePodSandBox", "\(error)")
      status.phase = .failed
      status.reason = "SandboxFailed"
      status.message = "\(error)"
      tearDown()
      save()
      return 1
    }
    return loop()
  }

  /// Takes the pod back from garrison-keeper (`--resume`) and runs it on: the loop's state from the state file,
  /// the audit log reopened, the kernel log at the keeper's read position, the keeper's exits and stop request.
  public func resume(keeper back: KeeperReturn) throws -> Int32 {
    PhaseTrace.mark("supervisor resumed")
    let (state, lost) = try readState(keeper: back)
    PhaseTrace.mark("state read")
    termination.install { [reaper] in reaper.poke() }
    if back.terminate { termination.request() }
    // Opened at the first event to write (`openedAudit`): the resume for a probe's period or a backoff's end
    // often writes none, and opening takes the log's lock and reads its head.
    auditDeferred = true
    if let k = back.kmsg, k == state.kmsg {
      let record = self.record
      seccompDenials = SeccompDenialMonitor(adopting: k, cgroupParent: cgroupParent, claims: seccompClaims()) {
        container in
        AuditObject(namespace: record.namespace, pod: record.name, podUID: record.uid, container: container)
      }
      seccompDenials?.foreign = Set(back.foreignPids)
    }
    try resume(from: state, keeper: back)
    if let lost {
      let message =
        "supervisor-state.json could not be read (\(lost)); the state was rebuilt from status.json, "
        + "the record and the logs handed back (\(state.running.count) running container(s)); backoffs and probe schedules start over"
      event("Warning", "SupervisorStateRebuilt", message)
      auditing { try $0.stateRebuilt(record, reason: "\(lost)", containers: state.running.map(\.name)) }
    }
    if seccompDenials == nil && state.kmsg != nil {
      event("Warning", "SeccompDenialsUnavailable", "seccomp denials will not be audited: the kernel log was not handed back")
    }
    try reaper.start()
    PhaseTrace.mark("supervisor resumed state")
    return loop()
  }

  /// The loop's state at a resume: supervisor-state.json, else (missing, unreadable, corrupt) the state rebuilt
  /// from status.json, the record and what the keeper handed back (`SupervisorState.rebuilt`) with why the file
  /// could not be used; a pod whose status.json cannot be read either is lost (the first error is thrown).
  func readState(keeper back: KeeperReturn) throws -> (SupervisorState, lost: String?) {
    do {
      guard let state = try SupervisorState.read(paths.supervisorState) else {
        throw GarrisonError(.notFound, "no supervisor state at \(paths.supervisorState)")
      }
      return (state, nil)
    } catch {
      guard let status = try? JSONFile.read(PodStatus.self, from: paths.status) else { throw error }
      return (
        SupervisorState.rebuilt(record: record, paths: paths, status: status, logs: back.logs, wake: wake, kmsg: back.kmsg), "\(error)"
      )
    }
  }

  /// The supervisor's loop: collect exits, decide and act, write the status, wait for the next event (or hand
  /// the pod to garrison-keeper while it is quiescent).
  func loop() -> Int32 {
    var deferredSave = false
    while true {
      let seen = reaper.generation
      collectExits()
      if termination.isSet {
        let requested = (try? JSONFile.read(StopRequest.self, from: paths.stopRequest))??.gracePeriodSeconds
        status.deletionTimestamp = Date()
        status.deletionGracePeriodSeconds = Int64(requested ?? Double(record.terminationGracePeriodSeconds))
        event("Normal", "Killing", "stopping the pod (grace period \(requested ?? Double(record.terminationGracePeriodSeconds))s)")
        save()
        auditSeccompDenials(force: true)
        stopAll(grace: requested ?? Double(record.terminationGracePeriodSeconds))
        tearDown()
        save()
        return 0
      }
      step()
      // A container that exited while it was being started (a short init container often exits before its
      // runtime has returned): its exit is collected and the containers after it are started before the status
      // is written, so the write that reports them is the next one. Once: a container that exits at every start
      // does not hold the status back.
      if !deferredSave && running.values.contains(where: { reaper.hasExited($0.pid) }) {
        deferredSave = true
        continue
      }
      deferredSave = false
      // The pod's seccomp denials are in the audit log before a status reports it finished (a reader of the log
      // that waited for the end finds them).
      if status.phase.isTerminal { auditSeccompDenials(force: true) }
      // What the step changed is written before the exited containers' runtime state is removed (one runtime
      // process each): `apply --wait` and `get` see the containers just started without waiting for that.
      if dirty { save() }
      cleanUpExited()
      runProbes()
      auditSeccompDenials(force: false)
      if dirty { save() }
      if status.phase.isTerminal {
        auditSeccompDenials(force: true)
        stopAll(grace: Double(record.terminationGracePeriodSeconds))
        tearDown()
        save()
        return 0
      }
      let quiet = handOverIfQuiescent(seen: seen)
      reaper.waitForChange(from: seen, timeout: min(nextWakeup(), quiet ?? .infinity))
    }
  }

  /// Moves the kernel's seccomp records for this pod into the audit log.
  func auditSeccompDenials(force: Bool) {
    guard let monitor = seccompDenials else { return }
    do {
      guard auditDeferred || audit != nil else { return }
      let events = try monitor.poll(force: force)
      if !events.isEmpty { try openedAudit()?.append(events) }
    } catch {
      event("Warning", "SeccompDenialsUnavailable", "cannot audit seccomp denials: \(error)")
      seccompDenials = nil
    }
  }

  // MARK: sandbox

  func setUpSandbox() throws {
    // The pod network (`ip` commands run in the sandbox's namespace: mostly waiting for them) is made on another
    // thread while this one prepares the volumes and the roots and configs of the first containers to start.
    var network: BackgroundJob?
    let networkResult = FanOutSlots<Result<(ip: String?, veth: String?), Error>>(count: 1)
    if Sandbox.needed(record.namespaces) {
      let box = try Sandbox.start(record.namespaces)
      PhaseTrace.mark("sandbox started")
      sandbox = box
      status.sandbox = box.process
      try box.setHostname(record.hostname)
      PhaseTrace.mark("hostname set")
      if !record.namespaces.hostNetwork {
        let net = PodNetwork(config: record.network, run: { [reaper] in try Spawn.check($0, wait: reaper.wait) })
        let (uid, root) = (record.uid, paths.root)
        let owner = PodNetwork.owner(root: paths.root, namespace: record.namespace, name: record.name)
        network = BackgroundJob {
          networkResult.set(0, Result { try net.setUp(sandbox: box, uid: uid, root: root, owner: owner) })
        }
      }
    }
    var preparation: Error?
    do {
      // One MCS level per pod: every unprivileged container's mount label is the same (the first one found).
      let mountLabel = host.seLinuxEnabled ? record.containers.lazy.compactMap({ $0.spec.linux?.mountLabel }).first : nil
      let preparer = VolumePreparer(paths: paths, fsGroup: record.fsGroup, seLinuxMountLabel: mountLabel)
      for v in record.volumes {
        let (source, mounts) = try preparer.prepare(v)
        volumeSources[v.name] = source
        status.mounts += mounts
      }
      PhaseTrace.mark("volumes prepared")
      prepareAhead(firstToStart())
    } catch {
      preparation = error
    }
    if let network {
      try network.wait()  // the body stores its outcome and does not throw
      let (ip, veth) = try networkResult.get(0)!.get()
      status.podIP = ip
      status.hostVeth = veth
      PhaseTrace.mark("network ready")
    }
    if let preparation { throw preparation }
    status.hostIP = HostAddress.primary()
    if record.namespaces.hostNetwork { status.podIP = status.hostIP }
    PhaseTrace.mark("sandbox ready")
    event(
      "Normal", "SandboxReady",
      "sandbox \(sandbox.map { "pid \($0.process.pid)" } ?? "(host namespaces)")" + (status.podIP.map { ", IP \($0)" } ?? ""))
    save()
  }

  /// The containers that start first: the first init container, or every app container of a pod without init
  /// containers (none when a sidecar comes first: sidecars start one by one).
  func firstToStart() -> [ContainerRecord] {
    if let first = record.containers.first(where: { $0.role != .app }) {
      return first.role == .initContainer ? [first] : []
    }
    return record.containers
  }
}
