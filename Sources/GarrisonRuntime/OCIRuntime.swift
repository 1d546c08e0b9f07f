import CGarrisonLinux
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonLSMHost
import GarrisonOCI
import Glibc

/// The OCI container lifecycle over `garrison-init`: what `garrison-oci` and a pod runner call.
///
/// `create` validates and resolves the spec (nothing is left behind on error), spawns the init, places it in
/// its cgroups and returns once the container is set up and waiting; `start` releases it and attests the
/// credentials of the running process; `exec` runs another process with the container's confinement.
public struct OCIRuntime: Sendable {
  public var store: ContainerStore
  public var launcher: InitLauncher
  public var seccomp: any SeccompBPFCompiling
  public var cgroups: any CgroupControlling
  /// The host's LSMs, probed once per garrison-oci process (`HostLSM.current`): which labels can be enforced,
  /// and which library reads them back.
  public var host: HostLSM
  /// Called with every attestation, passed or not, and the container's record, before a mismatch kills the
  /// container (the audit hook).
  public var onAttested: (@Sendable (AttestationReport, RuntimeContainerRecord) throws -> Void)?
  /// Called with every OCI hook run, wherever it ran, successful or not (the audit hook). An error it throws
  /// fails the operation (a poststop run's error is thrown once every poststop hook has run).
  public var onHookRun: (@Sendable (HookRun) throws -> Void)?
  /// Called for each privilege the config asks for that is not granted (`GrantWithheld`: ambient capabilities
  /// outside permitted ∩ inheritable, CAP_SYS_CHROOT without a mount namespace): container id, bundle,
  /// annotations, what and why. The container runs without it (a grant, not a restriction: DESIGN.md rule 13);
  /// the command warns and audits.
  public var onGrantNotApplied:
    (
      @Sendable (
        _ id: String, _ bundle: String?, _ annotations: [String: String], _ withheld: GrantWithheld
      ) throws -> Void
    )?
  /// Called when `linux.resources.memory.kernel` is not written because `memory.limit` holds it (Linux has no
  /// separate kernel-memory limit any more; `OCIResourceLimits.kernelMemoryHeldByLimit`): container id, bundle,
  /// annotations, what was asked and what holds it. The command warns and audits; a ceiling that is not held
  /// is refused before this is called.
  public var onKernelMemoryHeld:
    (
      @Sendable (
        _ id: String, _ bundle: String?, _ annotations: [String: String],
        _ held: OCIResourceLimits.HeldKernelMemory
      ) throws -> Void
    )?

  public init(
    root: String, launcher: InitLauncher, host: HostLSM, seccomp: any SeccompBPFCompiling = OCISeccompCompiler(),
    cgroups: any CgroupControlling = OCICgroups()
  ) {
    self.host = host
    self.store = ContainerStore(root: root)
    self.launcher = launcher
    // The read-only overlay's empty lower layer lives in the runtime's own state root (ids never start with ".").
    self.launcher.scratchDirectory = PathName.join(root, ".init-lower")
    self.seccomp = seccomp
    self.cgroups = cgroups
  }

  /// Starts the work an exec or create will need on another thread (the host's cgroup layout, the sealed
  /// garrison-init handle: `WarmUp`), for a caller that has other work to do first.
  public func warmUp() { WarmUp.start(self) }

  /// Options of `create` and `run`.
  public struct CreateOptions: Sendable {
    public var bundle: String
    public var pidFile: String?
    public var noPivot: Bool
    /// `--console-socket`: where the pty master goes when `process.terminal` is true.
    public var consoleSocket: String?
    /// This process's descriptors 3…3+n-1 go to the container process as its 3…3+n-1 (`$LISTEN_FDS` and
    /// `--preserve-fds`, as runc).
    public var extraFDs = 0
    /// How many of them are socket-activation descriptors: the process gets `LISTEN_FDS=<n>`, `LISTEN_PID=1`.
    public var listenFDs = 0
    public init(
      bundle: String, pidFile: String? = nil, noPivot: Bool = false, consoleSocket: String? = nil,
      extraFDs: Int = 0, listenFDs: Int = 0
    ) {
      self.bundle = bundle
      self.pidFile = pidFile
      self.noPivot = noPivot
      self.consoleSocket = consoleSocket
      self.extraFDs = extraFDs
      self.listenFDs = listenFDs
    }
  }

  /// Creates container `id` from `spec` (config.json of `options.bundle` when nil). On return the container
  /// process exists, fully confined except for the final `execve`, and waits for `start`.
  @discardableResult
  public func create(id: String, spec: RuntimeSpec? = nil, options: CreateOptions) throws -> RuntimeContainerRecord {
    WarmUp.start(self)
    return try create(id: id, spec: spec, options: options, proxy: nil, keepSync: false).record
  }

  /// `create`, with the pty master going to `proxy` (a foreground `run`) instead of a console socket. With
  /// `keepSync`, also returns the runtime's end of the sync socket, which reaches end of file exactly when the
  /// container process has exec'd (the init's end is close-on-exec): `run` waits on it instead of polling
  /// /proc/<pid>/exe.
  func create(id: String, spec: RuntimeSpec?, options: CreateOptions, proxy: TerminalProxy?, keepSync: Bool) throws
    -> (record: RuntimeContainerRecord, sync: Int32?)
  {
    PhaseTrace.mark("create")
    try ContainerStore.validate(id: id)
    let bundle = PathName.standardized(options.bundle)
    let runtimeSpec = try spec ?? BundleLoader.load(bundle: bundle)
    let sharesMountNamespace = !(runtimeSpec.linux?.namespaces ?? []).contains { $0.type == "mount" }
    for withheld in GrantWithheld.all(runtimeSpec.process, sharesRuntimeMountNamespace: sharesMountNamespace) {
      try onGrantNotApplied?(id, bundle, runtimeSpec.annotations ?? [:], withheld)
    }
    if let held = try OCIResourceLimits.kernelMemoryHeldByLimit(runtimeSpec.linux?.resources?.memory) {
      try onKernelMemoryHeld?(id, bundle, runtimeSpec.annotations ?? [:], held)
    }
    let hooks = try HookRunner(
      hooks: OCIHooks(runtimeSpec.hooks),
      state: HookState(id: id, bundle: bundle, annotations: runtimeSpec.annotations ?? [:]),
      sink: onHookRun)
    let connected =
      proxy == nil
      ? try ConsoleSocket.connect(path: options.consoleSocket, terminal: runtimeSpec.process?.terminal == true) : nil
    defer { if let connected { Glibc.close(connected) } }
    let console = proxy?.initEnd ?? connected
    try store.reserve(id)
    var launching = false
    // Without a mount namespace of its own the init mounts in this one: what was on top at the rootfs before.
    let rootfsPath = runtimeSpec.root.map { InitSpecBuilder.absolute($0.path, bundle: bundle) }
    let rootBefore = sharesMountNamespace ? try rootfsPath.flatMap { try SharedNamespaceRoot.topmost($0) } : nil
    do {
      let fifoPath = store.fifo(id)
      guard mkfifo(fifoPath, 0o600) == 0 else {
        throw GarrisonError(.system, operation: "mkfifo \(fifoPath)", "cannot create start FIFO", errno: errno)
      }
      let fifo = open(fifoPath, O_RDWR | O_CLOEXEC)
      guard fifo >= 0 else {
        throw GarrisonError(.system, operation: "open \(fifoPath)", "cannot open start FIFO", errno: errno)
      }
      defer { Glibc.close(fifo) }
      // The init starts while the spec is built and the cgroups are written.
      launching = true
      let launched = try launch(
        id: id, startFIFO: fifo, console: console,
        cgroups: .create(
          cgroupsPath: runtimeSpec.linux?.cgroupsPath,
          resources: runtimeSpec.linux?.resources),
        hooks: hooks.hooks.isEmpty ? nil : hooks,
        earlyUnshare: InitSpecBuilder.earlyUnshare(runtimeSpec), extraFDs: options.extraFDs
      ) {
        var builder = try InitSpecBuilder(seccomp: seccomp, host: host)
        let cgroups = self.cgroups
        builder.cgroupLayout = { try cgroups.sharedLayout() }  // detected once, on the warm-up thread
        var built = try builder.build(runtimeSpec, bundle: bundle, noPivot: options.noPivot)
        built.hooks = hooks.hooks.forInit(state: hooks.state)
        built.env = Self.socketActivated(built.env, listenFDs: options.listenFDs)
        PhaseTrace.mark("spec built")
        return built
      }
      let initSpec = launched.spec
      let sync: Int32? = keepSync ? launched.sync : nil
      if !keepSync { Glibc.close(launched.sync) }
      PhaseTrace.mark("launched")
      var record = RuntimeContainerRecord(
        id: id, bundle: bundle, pid: launched.pid, startTime: launched.startTime, started: false,
        created: AuditTime.now().description, annotations: runtimeSpec.annotations,
        cgroups: launched.cgroups, initSpec: initSpec, clamps: launched.clamps,
        initExe: ProcessProbe.executableIdentity(launched.pid))
      record.hooks = hooks.hooks.isEmpty ? nil : hooks.hooks
      record.deviceRules = OCIResourceLimits.deviceRulesText(runtimeSpec.linux?.resources?.devices)
      do {
        if sharesMountNamespace, let rootfsPath {
          record.sharedNamespaceRoot = try SharedNamespaceRoot.made(rootfsPath, before: rootBefore)
        }
        try store.save(record)
        if let pidFile = options.pidFile { try writePidFile(pidFile, launched.pid) }
      } catch {
        if let sync { Glibc.close(sync) }
        kill9AndWait(launched.pid)
        if let c = launched.cgroups { try cgroups.destroy(c) }
        throw error
      }
      return (record, sync)
    } catch {
      // best-effort cleanup of our own state directory and mounts; the original error wins
      if launching && sharesMountNamespace, let rootfsPath,
        let made = try? SharedNamespaceRoot.made(rootfsPath, before: rootBefore)
      {
        try? SharedNamespaceRoot.detach(made, at: rootfsPath)
      }
      try? store.remove(id)
      // runtime-spec lifecycle: a create that failed once the container existed continues at "destroy" and
      // runs the poststop hooks (their failures are warnings; the create error is the one to report).
      if launching { try? hooks.runPoststop() }
      throw error
    }
  }

  /// Releases a created container and attests the running process.
  @discardableResult
  public func start(id: String) throws -> AttestationReport {
    try start(try store.load(id), sync: nil).report
  }

  /// `start` for a record already in memory (`run` has just created it), waiting for the exec on `sync` when
  /// given (closed here). With `auditInBackground`, a passed attestation is audited on another thread
  /// (`attest`), returned as a job the caller must wait for.
  private func start(_ loaded: RuntimeContainerRecord, sync: Int32?, auditInBackground: Bool = false) throws
    -> (report: AttestationReport, audit: BackgroundJob?)
  {
    defer { if let sync { Glibc.close(sync) } }
    var record = loaded
    let id = record.id
    guard ProcessProbe.isAlive(record.pid, startTime: record.startTime) else {
      throw GarrisonError(.refused, "container \(id) is not running (its init exited)")
    }
    guard !store.isStarted(record) else { throw GarrisonError(.refused, "container \(id) was already started") }
    PhaseTrace.mark("start")
    let hooks = HookRunner(record: record, sink: onHookRun)
    let startHooks = try StartContainerReport.open(pid: record.pid, spec: record.initSpec)  // before the FIFO
    // Without the sync socket (a `start` after `create`), the exec is seen as the start FIFO's hang-up.
    let execWatch = sync == nil ? ExecWatch(fifo: store.fifo(id)) : nil
    defer { execWatch?.close() }
    do {
      try signalStart(id)
    } catch {
      if let startHooks { Glibc.close(startHooks.fd) }
      throw error
    }
    record.started = true  // on disk: the FIFO is gone (signalStart), or the record says so
    PhaseTrace.mark("start signalled")
    do {
      try startHooks?.read(into: hooks, expected: hooks.hooks[.startContainer].count)
    } catch {
      kill9AndWait(record.pid)  // runtime-spec: a failed startContainer hook stops the container
      throw error
    }
    if let execError = waitForExec(record.pid, sync: sync, initExe: record.initExe, watch: execWatch) {
      kill9AndWait(record.pid)  // it exits 127 by itself; the error is the one to report
      throw execError
    }
    PhaseTrace.mark("exec seen")
    let (report, audit) = try attest(record, pid: record.pid, spec: record.initSpec, background: auditInBackground)
    do {
      try saveAttestation(report, id: id)
    } catch {
      try? audit?.wait()  // the save error is the one to report; the audit event is written either way
      throw error
    }
    PhaseTrace.mark("attested")
    do {
      try hooks.runPoststart(pid: record.pid)
    } catch {
      // Only a run that could not be recorded gets here (a failing hook is a warning, runtime-spec); the
      // container cannot run unaudited.
      try? audit?.wait()
      kill9AndWait(record.pid)
      throw error
    }
    return (report, audit)
  }

  /// The attestation of the container's process, written by `start` (audit material).
  public func attestation(id: String) throws -> AttestationReport? {
    let path = PathName.join(store.directory(id), "attestation.json")
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try JSONDecoder().decode(AttestationReport.self, from: data)
  }

  private func saveAttestation(_ report: AttestationReport, id: String) throws {
    let path = PathName.join(store.directory(id), "attestation.json")
    try FileIO.replace(path, with: report.json.canonicalBytes, mode: 0o600, durable: false)
  }

  /// `create` + `start`; unless `detach`, waits for the container to exit, deletes it and returns its exit
  /// status (128+signal when killed).
  public func run(id: String, spec: RuntimeSpec? = nil, options: CreateOptions, detach: Bool) throws -> Int32 {
    WarmUp.start(self)
    try becomeSubreaper()
    // A foreground run with a terminal and no console socket proxies the pty itself, as runc does.
    let runtimeSpec = try spec ?? BundleLoader.load(bundle: PathName.standardized(options.bundle))
    PhaseTrace.mark("config loaded")
    let proxy =
      try runtimeSpec.process?.terminal == true && options.consoleSocket == nil && !detach
      ? TerminalProxy() : nil
    let (record, sync) = try create(id: id, spec: runtimeSpec, options: options, proxy: proxy, keepSync: true)
    let audit: BackgroundJob?
    do {
      try proxy?.receiveMaster()
      audit = try start(record, sync: sync, auditInBackground: true).audit
    } catch {
      try? delete(id: id, force: true)  // the start error is the one to report
      throw error
    }
    if detach {
      try audit?.wait()
      return 0
    }
    proxy?.begin()
    SignalForwarder.forward(to: record.pid)
    let status = waitExit(record.pid)
    PhaseTrace.mark("exited")
    SignalForwarder.stop()
    proxy?.finish()
    let deleted = Result { try delete(record, force: true) }
    PhaseTrace.mark("deleted")
    try audit?.wait()  // an unrecorded start fails the run (and has killed the container)
    try deleted.get()
    return status
  }

  /// The OCI state of `id`.
  public func state(id: String) throws -> ContainerState {
    let record = try store.load(id)
    let alive = ProcessProbe.isAlive(record.pid, startTime: record.startTime)
    let status = !alive ? "stopped" : (store.isStarted(record) ? "running" : "created")
    return ContainerState(
      status: status, id: id, pid: alive ? record.pid : 0, bundle: record.bundle,
      annotations: record.annotations)
  }

  /// Sends `signal` to the container process, or with `all` to every process of the container.
  public func kill(id: String, signal: Int32, all: Bool) throws {
    let record = try store.load(id)
    guard ProcessProbe.isAlive(record.pid, startTime: record.startTime) else {
      // runc's wording: containerd's shim maps "container not running" to "process already finished".
      throw GarrisonError(.refused, "cannot signal \(id): container not running")
    }
    let targets = all ? try processes(id: id) : [record.pid]
    for pid in targets {
      if Glibc.kill(pid, signal) != 0 && errno != ESRCH {
        throw GarrisonError(.system, operation: "kill \(pid) \(signal)", "cannot signal container", errno: errno)
      }
    }
  }

  /// Deletes a stopped (or created) container; `force` kills a running one first.
  public func delete(id: String, force: Bool) throws {
    try delete(try store.load(id), force: force)
  }

  /// `delete` of a record already in memory (`run` created it).
  private func delete(_ record: RuntimeContainerRecord, force: Bool) throws {
    let id = record.id
    if ProcessProbe.isAlive(record.pid, startTime: record.startTime) {
      if store.isStarted(record) && !force {
        throw GarrisonError(.refused, "container \(id) is running; stop it or use --force")
      }
      kill9AndWait(record.pid)
    }
    if let c = record.cgroups {
      if force {
        // Without a pid namespace, processes may outlive the init; the cgroup cannot go while they live.
        // A listing failure surfaces as the destroy error below.
        for pid in (try? cgroups.processes(c)) ?? [] { kill9AndWait(pid) }
      }
      try cgroups.destroy(c)
    }
    PhaseTrace.mark("cgroups removed")
    if let mount = record.sharedNamespaceRoot {
      try SharedNamespaceRoot.detach(mount, at: record.initSpec.rootfs)
    }
    try store.remove(id)
    PhaseTrace.mark("state removed")
    // After the container is gone; a failing hook is a warning (reported to onHookRun), never a failed delete.
    try HookRunner(record: record, sink: onHookRun).runPoststop()
  }

  /// `update`: writes `resources` into the cgroups of a created or running container (runc's `update`, which
  /// kubelet's in-place resize uses through the CRI). Only the fields set change; what cannot be applied is
  /// refused naming the field.
  public func update(id: String, resources: RuntimeSpec.Resources) throws {
    let record = try store.load(id)
    guard ProcessProbe.isAlive(record.pid, startTime: record.startTime) else {
      throw GarrisonError(.refused, "container \(id) is not running")
    }
    guard let placement = record.cgroups else {
      throw GarrisonError(.notFound, operation: "update", "container \(id) has no cgroups")
    }
    if let held = try OCIResourceLimits.kernelMemoryHeldByLimit(resources.memory) {
      try onKernelMemoryHeld?(id, record.bundle, record.annotations ?? [:], held)
    }
    var resources = resources
    // containerd's UpdateContainerResources sends the whole `linux.resources`, device rules included: the rules
    // in force, unchanged, need no change (runc skips devices on update altogether); any other rules are refused.
    if let devices = resources.devices, !devices.isEmpty, let kept = record.deviceRules,
      OCIResourceLimits.deviceRulesText(devices) == kept
    {
      resources.devices = nil
    }
    try cgroups.update(placement, resources: resources)
  }

  /// Host pids of the container's processes.
  public func processes(id: String) throws -> [Int32] {
    let record = try store.load(id)
    guard ProcessProbe.isAlive(record.pid, startTime: record.startTime) else { return [] }
    if record.initSpec.namespaces.contains(where: { $0.type == "pid" && $0.path == nil }) {
      let ns = try? Kernel.readlink("/proc/\(record.pid)/ns/pid")
      let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
      return pids.filter { (try? Kernel.readlink("/proc/\($0)/ns/pid")) == ns }.sorted()
    }
    if let c = record.cgroups { return try cgroups.processes(c) }
    return [record.pid]
  }

  /// Runs `process` inside container `id` with the container's confinement (never more: same uid, gid and
  /// groups, capabilities within the container's, no_new_privs kept, same seccomp filter and LSM labels).
  /// Returns the exit status, or 0 at once with `detach`.
  /// `extraFDs`: this process's descriptors 3…3+n-1 go to the exec'd process as its 3…3+n-1 (`--preserve-fds`;
  /// socket activation is the container's, not an exec's, as with runc).
  /// `beforeRun` is called once garrison-init is starting up and before it is let go to set up and execute the
  /// process (`go`): a caller waits there for what must be done first (the fsync of the exec's audit event, which
  /// thus overlaps the init's start); an error it throws kills the init and fails the exec.
  public func exec(
    id: String, process: RuntimeSpec.Process, detach: Bool, pidFile: String?,
    consoleSocket: String? = nil, extraFDs: Int = 0, beforeRun: (() throws -> Void)? = nil
  ) throws -> Int32 {
    let record = try store.load(id)
    guard ProcessProbe.isAlive(record.pid, startTime: record.startTime) else {
      throw GarrisonError(.refused, "container \(id) is not running")
    }
    let base = record.initSpec
    for withheld in GrantWithheld.all(process, sharesRuntimeMountNamespace: base.sharesRuntimeMountNamespace) {
      try onGrantNotApplied?(id, record.bundle, record.annotations ?? [:], withheld)
    }
    var spec = try InitSpecBuilder(seccomp: seccomp, host: host).buildProcess(process, base: base)
    let f = FieldPath("process")
    guard spec.user.uid == base.user.uid, spec.user.gid == base.user.gid,
      Set(spec.user.additionalGids) == Set(base.user.additionalGids)
    else {
      throw GarrisonError(
        .refused, "exec must run as the container's user \(base.user.uid):\(base.user.gid)",
        field: f / "user")
    }
    let a = spec.capabilities
    let b = base.capabilities
    for (name, have, limit) in [
      ("bounding", a.bounding, b.bounding), ("effective", a.effective, b.effective),
      ("permitted", a.permitted, b.permitted), ("inheritable", a.inheritable, b.inheritable),
      ("ambient", a.ambient, b.ambient),
    ] where have & ~limit != 0 {
      throw GarrisonError(
        .refused, "exec may not add \(Capability.names(in: have & ~limit)) beyond the container's",
        field: f / "capabilities" / name)
    }
    if base.noNewPrivileges && !spec.noNewPrivileges {
      throw GarrisonError(.refused, "exec may not clear noNewPrivileges", field: f / "noNewPrivileges")
    }
    spec.mode = .exec
    spec.hooks = nil  // hooks belong to the container's lifecycle, never to an exec
    spec.seccomp = base.seccomp
    spec.personality = base.personality
    spec.apparmorProfile = base.apparmorProfile
    spec.selinuxLabel = base.selinuxLabel
    // rlimits: the container's limits apply unless the exec asks for lower ones; never higher hard limits.
    var limits = base.rlimits
    for r in spec.rlimits {
      if let i = limits.firstIndex(where: { $0.resource == r.resource }) {
        guard r.hard <= limits[i].hard else {
          throw GarrisonError(
            .refused, "exec may not raise \(r.name) above the container's hard limit \(limits[i].hard)",
            field: f / "rlimits")
        }
        limits[i] = r
      } else {
        limits.append(r)
      }
    }
    spec.rlimits = limits
    let nsNames = [
      "mount": "mnt", "network": "net", "pid": "pid", "ipc": "ipc", "uts": "uts", "cgroup": "cgroup",
      "user": "user", "time": "time",
    ]
    // The container process's own namespaces, joined ones included (their config paths may be gone by now).
    spec.namespaces = base.namespaces.map { ns in
      InitSpec.Namespace(flag: ns.flag, type: ns.type, path: "/proc/\(record.pid)/ns/\(nsNames[ns.type]!)")
    }
    spec.timeOffsets = []  // the container's time namespace already has them
    spec.rootfs = "/proc/\(record.pid)/root"
    spec.mounts = []
    spec.devices = []
    spec.maskedPaths = []
    spec.readonlyPaths = []
    // A foreground exec with a terminal and no console socket proxies the pty itself, as `run` (and runc) do.
    let proxy = try spec.terminal != nil && consoleSocket == nil && !detach ? TerminalProxy() : nil
    let connected = proxy == nil ? try ConsoleSocket.connect(path: consoleSocket, terminal: spec.terminal != nil) : nil
    defer { if let connected { Glibc.close(connected) } }
    try becomeSubreaper()
    let target: CgroupTarget
    if let placement = record.cgroups { target = .join(placement) } else { target = .unplaced }
    let launched = try launch(
      id: id, startFIFO: nil, console: proxy?.initEnd ?? connected, cgroups: target,
      extraFDs: extraFDs, beforeGo: beforeRun
    ) { spec }
    let execError = waitForExec(launched.pid, sync: launched.sync, received: launched.pending)
    Glibc.close(launched.sync)
    if let execError {
      kill9AndWait(launched.pid)
      throw execError
    }
    do {
      try proxy?.receiveMaster()
      _ = try attest(record, pid: launched.pid, spec: spec).report
    } catch {
      kill9AndWait(launched.pid)  // an exec that cannot be attested (or driven) does not run on
      throw error
    }
    if let pidFile { try writePidFile(pidFile, launched.pid) }
    if detach { return 0 }
    proxy?.begin()
    SignalForwarder.forward(to: launched.pid)
    let status = waitExit(launched.pid)
    SignalForwarder.stop()
    proxy?.finish()
    return status
  }

  // MARK: - Internals

  struct Launched {
    var pid: Int32
    var startTime: UInt64
    var sync: Int32
    var cgroups: CgroupPlacement?
    var clamps: [String]
    var spec: InitSpec
    /// What the init sent after `ready` that the reader already took in (an `exec` does not wait for `start`).
    var pending: [UInt8] = []
  }

  /// What `launch` does about cgroups.
  enum CgroupTarget {
    /// Create the container's cgroups (`create`).
    case create(cgroupsPath: String?, resources: RuntimeSpec.Resources?)
    /// Join existing ones (`exec`).
    case join(CgroupPlacement)
    /// None (an exec into a container that has none).
    case unplaced
  }

  /// Starts garrison-init and drives the sync protocol up to `ready`, overlapping the init's start-up with
  /// the runtime's own work on two cores:
  /// 1. make the cgroup v2 directory (create mode; `createUnified`) and spawn the init into it, naming on its
  ///    command line the namespaces it may create at once (`earlyUnshare`, see `EarlyUnshare`);
  /// 2. build the spec (`makeSpec`) and send it; the init reads it and creates the other namespaces;
  /// 3. meanwhile make the v1 directories and write every limit and device rule (`prepare`);
  /// 4. send `cgroups` with each v1 `tasks` file: the init moves itself into them, then forks the container
  ///    process, which thus exists only once every limit is in place.
  /// On any failure the init and the container process are killed and the cgroups made here removed before
  /// the error is thrown.
  func launch(
    id: String, startFIFO: Int32?, console: Int32?, cgroups target: CgroupTarget,
    hooks: HookRunner? = nil, earlyUnshare: Int32 = 0, extraFDs: Int = 0, beforeGo: (() throws -> Void)? = nil,
    spec makeSpec: () throws -> InitSpec
  ) throws -> Launched {
    try becomeSubreaper()
    var unified: UnifiedCgroup?
    var placement: CgroupPlacement?
    var handle: InitLauncher.Handle?
    var specSent = false
    var containerPID: Int32 = 0
    var spawnedReaped = false
    do {
      let v2Directory: String?
      switch target {
      case .create(let cgroupsPath, let resources):
        unified = try cgroups.createUnified(id: id, cgroupsPath: cgroupsPath, resources: resources)
        v2Directory = unified?.directory
      case .join(let existing):
        v2Directory = try CgroupBirthplace(directories: existing.directories).v2Directory
      case .unplaced:
        v2Directory = nil
      }
      let spawned = try launcher.spawn(
        startFIFO: startFIFO, consoleSocket: console, cgroupV2Directory: v2Directory,
        earlyUnshare: earlyUnshare, extraFDs: extraFDs)
      handle = spawned
      PhaseTrace.mark("init spawned")
      let spec = try makeSpec()
      specSent = true  // sendSpec closes the spec socket, whatever happens
      try InitLauncher.sendSpec(spec, to: spawned)
      PhaseTrace.mark("spec sent")
      var atReady: RuntimeSpec.Resources?  // the CPU share and bandwidth, written once the init is set up
      if case .create(let cgroupsPath, let resources) = target {
        // With OCI hooks, which run during the set-up and may read or adjust the limits (runc writes them before
        // its prestart hooks), everything is written now.
        let split = hooks == nil ? OCIResourceLimits.deferringCPUScheduling(resources) : (beforeSetUp: resources, atReady: nil)
        atReady = split.atReady
        placement = try cgroups.prepare(
          id: id, cgroupsPath: cgroupsPath,
          resources: OCIResourceLimits.withDeviceNodes(split.beforeSetUp, spec.devices),
          unified: unified)
        unified = nil  // part of the placement now
        PhaseTrace.mark("cgroups prepared")
      }
      var joined = placement
      if case .join(let existing) = target { joined = existing }
      var reader = LineReader(fd: spawned.sync)
      if spec.createsUserNamespace {
        // The init unshares its user namespace and waits: map it before it creates the other namespaces.
        let first = try next(&reader)
        guard first == .userns else { throw failure(first) }
        try UserNamespaceMaps.write(pid: spawned.spawnedPID, spec: spec)
        try FileIO.send(fd: spawned.sync, SyncProtocol.Command.mapped.wire)
      }
      // The v1 directories are all but the cgroup2 one the init was born in (when it was).
      let v1Directories = spawned.bornInCgroups ? joined?.directories.filter { $0 != v2Directory } ?? [] : []
      try sendCgroups(v1Directories, sync: spawned.sync)
      if spawned.bornInCgroups {
        // The child forked after `cgroups` starts in every cgroup: `go` can follow at once. It reaches the
        // child either in the buffer it inherits from the pre-fork init's reader or on the socket.
        try beforeGo?()
        try FileIO.send(fd: spawned.sync, SyncProtocol.Command.go.wire)
      }
      let pid: Int32
      if spawned.bornInPidNamespace {
        pid = spawned.spawnedPID  // the init is the container process: no fork, no pid message
        spawnedReaped = true  // killed below as the container process on failure
      } else {
        let first = try next(&reader)
        _ = Glibc.waitpid(spawned.spawnedPID, nil, 0)  // the pre-fork init exits right after reporting
        spawnedReaped = true
        guard case .pid(let reported) = first else { throw failure(first) }
        pid = reported
        PhaseTrace.mark("pid received")
      }
      containerPID = pid
      if !spawned.bornInCgroups {
        if let joined {
          try cgroups.join(joined, pid: pid)  // a kernel without CLONE_INTO_CGROUP
          PhaseTrace.mark("cgroups joined")
        }
        try beforeGo?()
        try FileIO.send(fd: spawned.sync, SyncProtocol.Command.go.wire)
      }
      launcher.closeDetachedMounts()  // the init sets up for a few ms now
      var clamps: [String] = []
      while true {
        let message = try next(&reader)
        switch message {
        case .ready:
          PhaseTrace.mark("init ready")
          if let atReady, let placement {
            try cgroups.update(placement, resources: atReady)  // before create returns, so before any start
            PhaseTrace.mark("cpu limits written")
          }
          guard let st = ProcessProbe.stat(pid) else {
            throw GarrisonError(.system, operation: "init", "container process exited during setup")
          }
          return Launched(
            pid: pid, startTime: st.startTime, sync: spawned.sync, cgroups: placement, clamps: clamps,
            spec: spec, pending: reader.pending)
        case .clamped(let name, let rs, let rh, let s, let h):
          clamps.append("\(name) requested \(rs)/\(rh), applied \(s)/\(h) (no CAP_SYS_RESOURCE)")
        case .hooks where hooks != nil:
          try hooks?.runCreateRuntime(pid: pid)  // the init waits before its root switch
          try FileIO.send(fd: spawned.sync, SyncProtocol.Command.resume.wire)
        case .hook(let run) where hooks != nil:
          try hooks?.record(run)  // a createContainer hook the init ran
        default:
          throw failure(message)
        }
      }
    } catch {
      // The launch error is the one to report; cleanup is best effort after the processes are gone.
      if let handle {
        Glibc.close(handle.sync)
        if !specSent { Glibc.close(handle.specSocket) }
        if !spawnedReaped { kill9AndWait(handle.spawnedPID) }
      }
      if containerPID > 0 { kill9AndWait(containerPID) }
      if let placement { try? cgroups.destroy(placement) }
      if let unified { try? cgroups.discard(unified) }
      throw error
    }
  }

  /// Sends `cgroups` with the `tasks` file of each cgroup v1 directory, opened here: the init moves itself into
  /// them before it forks (`SyncChannel.joinCgroups`). The caller passes none when the init could not be born
  /// in the cgroup v2 directory: then it moves the container process with `cgroup.procs` writes into every
  /// hierarchy (`join`).
  private func sendCgroups(_ v1Directories: [String], sync: Int32) throws {
    var tasks: [Int32] = []
    defer { for fd in tasks { Glibc.close(fd) } }
    for dir in v1Directories {
      let fd = open(dir + "/tasks", O_WRONLY | O_CLOEXEC)
      guard fd >= 0 else {
        throw GarrisonError(.system, operation: "open \(dir)/tasks", "cannot join cgroup", errno: errno)
      }
      tasks.append(fd)
    }
    do { try FileIO.send(fd: sync, SyncProtocol.Command.cgroups.wire, descriptors: tasks) } catch {
      throw GarrisonError(.system, operation: "send cgroups", "lost contact with garrison-init", errno: error.rawValue)
    }
  }

  private func next(_ reader: inout LineReader) throws -> SyncProtocol.Message {
    do {
      guard let line = try reader.next() else {
        throw GarrisonError(.system, operation: "init", "garrison-init exited without reporting")
      }
      return SyncProtocol.Message(line: line)
    } catch let e as Errno {
      throw GarrisonError(.system, operation: "read sync socket", "lost contact with garrison-init", errno: e.rawValue)
    }
  }

  private func failure(_ m: SyncProtocol.Message) -> GarrisonError {
    if case .error(let step, let text) = m { return .initFailed(step: step, text: text) }
    return GarrisonError(.system, operation: "init", "unexpected message from garrison-init: \(m.line)")
  }

  private func signalStart(_ id: String) throws {
    let path = store.fifo(id)
    let fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      throw GarrisonError(
        .refused, operation: "open \(path)", "container \(id) is not waiting for start",
        errno: errno)
    }
    defer { Glibc.close(fd) }
    var byte: UInt8 = 1
    guard Glibc.write(fd, &byte, 1) == 1 else {
      throw GarrisonError(.system, operation: "write \(path)", "cannot start container", errno: errno)
    }
    if unlink(path) != 0 {  // the FIFO's absence is what says "started" (ContainerStore.isStarted)
      var record = try store.load(id)
      record.started = true
      try store.save(record)
    }
  }

  /// Waits until `pid` has finished `execve` (credentials committed): end of file on the sync socket, or the
  /// start FIFO's hang-up (`watch`) and a changed /proc/<pid>/exe, then a read of /proc/<pid>/environ, which
  /// takes the exec lock. Waits until the container process has executed (or died). With the sync socket,
  /// returns the error garrison-init reported after `ready` (the no_new_privs seccomp filter and `execve` come
  /// after it), if any.
  @discardableResult
  func waitForExec(
    _ pid: Int32, sync: Int32?, initExe: String? = nil, watch: ExecWatch? = nil, received alreadyRead: [UInt8] = []
  ) -> GarrisonError? {
    if let sync {
      var buffer = [UInt8](repeating: 0, count: 256)
      var received = alreadyRead
      while true {
        let n = Glibc.read(sync, &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        if received.count < 65536 { received += buffer[0..<n] }
      }
      let lines = String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init)
      if let line = lines.first(where: { $0.hasPrefix("error ") }) { return failure(SyncProtocol.Message(line: line)) }
    } else {
      // A wake-up only: the identity below decides. Long, since the hang-up is certain (the exec, or the init's
      // end); a BestEffort init (cpu.shares 2) on a busy node can take over a second to get there, which the
      // 1 s of polling alone mistook for an exec and the read-back then refused.
      watch?.waitForHangUp(timeoutMilliseconds: 10_000)
      for _ in 0..<5000 {
        guard let exe = ProcessProbe.executableIdentity(pid), exe == initExe else { break }
        usleep(200)
      }
    }
    _ = try? FileIO.read("/proc/\(pid)/environ")  // synchronisation only; the content is not used
    return nil
  }

  /// Reads the process's credentials back and audits them (`onAttested`); a mismatch, or an event that
  /// cannot be written, kills it. With `background` (a foreground `run`, whose thread only waits for the exit
  /// next), a passed attestation's event is written on another thread while the container runs: the job kills
  /// the container through a pidfd if the write fails (no pid reuse can redirect that kill), and the caller
  /// waits for it before it reports anything.
  private func attest(_ record: RuntimeContainerRecord, pid: Int32, spec: InitSpec, background: Bool = false) throws
    -> (report: AttestationReport, audit: BackgroundJob?)
  {
    let id = record.id
    let report = Attestation.check(id: id, pid: pid, spec: spec, host: host)
    PhaseTrace.mark("read back")
    if background, report.passed, let onAttested {
      // No pidfd (a kernel before 5.3): audit in line below. (Not yet reaped: it is our child.)
      if let pidfd = try? Kernel.pidfdOpen(pid) {
        let job = BackgroundJob {
          defer { Glibc.close(pidfd) }
          do {
            try onAttested(report, record)
          } catch {
            try? Kernel.pidfdSendSignal(pidfd, SIGKILL)  // ESRCH: it has exited and been reaped already
            throw error
          }
        }
        return (report, job)
      }
    }
    do {
      try onAttested?(report, record)
      PhaseTrace.mark("audited")
    } catch {
      Glibc.kill(pid, SIGKILL)
      throw error
    }
    if !report.passed {
      Glibc.kill(pid, SIGKILL)
      throw GarrisonError(
        .refused, operation: "attest",
        "container \(id) process \(pid) is less confined than specified: "
          + report.mismatches.joined(separator: "; "))
    }
    return (report, nil)
  }

  /// `env` for a process handed `listenFDs` socket-activation descriptors: `LISTEN_FDS=<n>` and `LISTEN_PID=1`
  /// (it is pid 1 of its namespace, as under runc) replace any given.
  static func socketActivated(_ env: [String], listenFDs: Int) -> [String] {
    guard listenFDs > 0 else { return env }
    return env.filter { !$0.hasPrefix("LISTEN_FDS=") && !$0.hasPrefix("LISTEN_PID=") }
      + ["LISTEN_FDS=\(listenFDs)", "LISTEN_PID=1"]
  }

  private func becomeSubreaper() throws {
    do { try Kernel.prctl(LinuxConstants.PR_SET_CHILD_SUBREAPER, 1) } catch {
      throw GarrisonError(
        .system, operation: "prctl(PR_SET_CHILD_SUBREAPER)", "cannot reap containers",
        errno: error.rawValue)
    }
  }

  /// Waits for `pid` (our child via the subreaper) and returns its status as a shell would.
  func waitExit(_ pid: Int32) -> Int32 {
    var status: Int32 = 0
    while Glibc.waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { return 255 }
    }
    if gr_wifexited(status) != 0 { return gr_wexitstatus(status) }
    if gr_wifsignaled(status) != 0 { return 128 + gr_wtermsig(status) }
    return 255
  }

  /// SIGKILLs `pid` and waits (up to 5 s) until it is reaped by us or has at least become a zombie.
  func kill9AndWait(_ pid: Int32) {
    Glibc.kill(pid, SIGKILL)
    for _ in 0..<500 {
      var status: Int32 = 0
      if Glibc.waitpid(pid, &status, WNOHANG) == pid { return }  // our child (subreaper), reaped
      guard let st = ProcessProbe.stat(pid), st.state != "Z" else { return }  // gone, or another's zombie
      usleep(10_000)
    }
  }

  private func writePidFile(_ path: String, _ pid: Int32) throws {
    try FileIO.replace(path, with: Array(String(pid).utf8), mode: 0o644, durable: false)
  }
}

extension OCIRuntime {
  /// The process `exec ID cmd…` runs when no process.json is given: the container's own user, capabilities
  /// and no_new_privs with new args, the container's env plus `extraEnv`, and `cwd` (default: the container's).
  public func defaultExecProcess(id: String, args: [String], extraEnv: [String], cwd: String?) throws
    -> RuntimeSpec.Process
  {
    let base = try store.load(id).initSpec
    let c = base.capabilities
    return RuntimeSpec.Process(
      user: .init(
        uid: base.user.uid, gid: base.user.gid, umask: base.user.umask,
        additionalGids: base.user.additionalGids),
      args: args, env: base.env + extraEnv, cwd: cwd ?? base.cwd,
      capabilities: .init(
        bounding: Capability.names(in: c.bounding), effective: Capability.names(in: c.effective),
        inheritable: Capability.names(in: c.inheritable),
        permitted: Capability.names(in: c.permitted), ambient: Capability.names(in: c.ambient)),
      rlimits: base.rlimits.map { .init(type: $0.name, soft: $0.soft, hard: $0.hard) },
      noNewPrivileges: base.noNewPrivileges)
  }
}

extension GarrisonError {
  /// An `error <step>: <text>` line from garrison-init: a step that is a hook's config.json field
  /// (`hooks.createContainer[0].path`) is reported as that field, any other as the failed operation.
  static func initFailed(step: String, text: String) -> GarrisonError {
    if step.hasPrefix("hooks.") { return GarrisonError(.system, "container init failed: \(text)", field: FieldPath(step)) }
    return GarrisonError(.system, operation: step, "container init failed: \(text)")
  }
}
