import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// The container init: reads its `InitSpec` from fd 3, sets the container up step by step, reports on
/// fd 4 and finally `execve`s the container process. Synchronous and single-threaded by construction.
public enum ContainerInit {
  typealias C = LinuxConstants

  /// Entry point of `garrison-init`. Never returns.
  public static func main() -> Never {
    var sync = SyncChannel(fd: SyncProtocol.syncFD)
    // After `ready` in create mode the `create` process is gone: a failure (the filter, execve) then goes to the
    // container's stderr too, where `start`'s caller or the container log shows it, instead of nowhere.
    var readySent = false
    do {
      // Drop every inherited descriptor except stdio, ours (3 spec, 4 sync, 5 start FIFO, 6 console socket) and
      // the container's preserved ones before anything else: a stray descriptor held by a waiting container
      // keeps the caller's pipes open.
      let arguments = try InitArguments.parse(Array(CommandLine.arguments.dropFirst()))
      try PreservedFDs.closeInherited(count: arguments.preservedFDs)
      try assertSingleThreaded()
      PhaseTrace.enabled = arguments.tracePhases
      PhaseTrace.mark("init", "started")
      let early = arguments.earlyUnshare
      if early & C.CLONE_NEWPID != 0 && getpid() != 1 {
        throw InitFailure("check pid namespace", "spawned without the new pid namespace the command line names")
      }
      let unshareNow = EarlyUnshare.unsharedAtStart(early)
      if unshareNow != 0 {
        try step("unshare namespaces named on the command line") { () throws(Errno) in try Kernel.unshare(unshareNow) }
        PhaseTrace.mark("init", "early namespaces")
      }
      var spec = try readSpec()
      PhaseTrace.mark("init", "spec read")
      if spec.terminal == nil { Kernel.close(SyncProtocol.consoleFD) }  // whatever fd 6 was, it is not ours
      try enterNamespaces(spec, early: early, sync: &sync)  // forks (unless born in its pid namespace); only the container process returns
      PhaseTrace.mark("init", "forked")
      try sync.waitForGo()
      var (credentials, path) = try setUpContainer(&spec, sync: &sync)
      PhaseTrace.mark("init", "set up")
      let hookReport = try InitHooks.openStartReport(spec)
      sync.send(.ready)
      readySent = spec.mode == .create
      if spec.mode == .create { try waitForStart() }
      if hookReport != nil {
        // startContainer hooks run with the final filter, as under runc and crun (the profile must allow spawning them).
        try credentials.lockDown()
        try InitHooks.startContainer(spec, report: hookReport)
      }
      try step("reset signal dispositions") { () throws(Errno) in try Kernel.resetSignals() }
      try PreservedFDs.install(count: arguments.preservedFDs)
      // no_new_privs and the seccomp filter last: nothing but execve runs under it.
      if hookReport == nil { try credentials.lockDown() }
      let err = Kernel.execve(path, spec.args, spec.env)
      throw InitFailure("execve \(path)", err.description)
    } catch {
      sync.send(.error(step: error.step, text: error.text))
      if readySent {
        do { try FileIO.writeAll(fd: 2, Array("garrison-init: \(error.step): \(error.text)\n".utf8)) } catch {}  // best effort
      }
      _exit(127)
    }
  }

  /// Refuses to run with more than one thread: namespace and credential calls would apply to one thread only.
  /// One stat: procfs counts a process's threads in the link count of `/proc/self/task` (2 + threads).
  static func assertSingleThreaded() throws(InitFailure) {
    var st = stat()
    guard fstatat(AT_FDCWD, "/proc/self/task", &st, 0) == 0 else {
      throw InitFailure("stat /proc/self/task", Errno.current.description)
    }
    let threads = Int(st.st_nlink) - 2
    guard threads == 1 else {
      throw InitFailure("assert single-threaded", "garrison-init has \(threads) threads")
    }
  }

  static func readSpec() throws(InitFailure) -> InitSpec {
    let bytes = try step("read init spec from fd 3") { () throws(Errno) -> [UInt8] in
      try FileIO.readAll(fd: SyncProtocol.specFD)
    }
    Kernel.close(SyncProtocol.specFD)
    do {
      return try InitSpecWire.decode(bytes)
    } catch {
      throw InitFailure("decode init spec", error.description)
    }
  }

  /// Joins or creates namespaces, then forks the container process (which becomes pid 1 of a new pid
  /// namespace). The parent reports the child's host pid and exits; only the child returns. `early`: the
  /// namespaces already created from the command line (`EarlyUnshare`), which must be what the spec asks for;
  /// when they include the pid namespace this process was born in it (pid 1): it is the container process
  /// and does not fork (the runtime knows its pid from the spawn).
  static func enterNamespaces(_ spec: InitSpec, early: Int32, sync: inout SyncChannel) throws(InitFailure) {
    if early != 0 && !EarlyUnshare.matches(early, spec) {
      throw InitFailure(
        "check namespaces",
        "the command line created namespaces \(early), the spec asks for "
          + "\(EarlyUnshare.flags(of: spec))")
    }
    let bornInPidNamespace = early & C.CLONE_NEWPID != 0
    var rootFD: Int32 = -1
    if spec.mode == .exec {
      rootFD = try step("open container root \(spec.rootfs)") { () throws(Errno) -> Int32 in
        try Kernel.open(spec.rootfs, flags: C.O_PATH | C.O_DIRECTORY)
      }
    }
    // Open every namespace to join first: paths under /proc change meaning once we switch.
    var joins: [(InitSpec.Namespace, Int32)] = []
    for ns in spec.namespaces {
      guard let path = ns.path else { continue }
      let fd = try step("open \(ns.type) namespace \(path)") { () throws(Errno) -> Int32 in
        try Kernel.open(path, flags: C.O_RDONLY)
      }
      joins.append((ns, fd))
    }
    // The user namespace first (it owns the others: runc, crun and youki join it first too), the mount
    // namespace last so the paths above were all resolved in the host view.
    func rank(_ flag: Int32) -> Int { flag == C.CLONE_NEWUSER ? 0 : (flag == C.CLONE_NEWNS ? 2 : 1) }
    for (ns, fd) in joins.sorted(by: { rank($0.0.flag) < rank($1.0.flag) }) {
      try step("setns into \(ns.type) namespace \(ns.path ?? "")") { () throws(Errno) in try Kernel.setns(fd, ns.flag) }
      Kernel.close(fd)
    }
    // A new user namespace comes before every other new namespace, so they are owned by it; the runtime
    // (root on the host) writes its uid_map and gid_map while we wait.
    if spec.createsUserNamespace {
      try step("unshare user namespace") { () throws(Errno) in try Kernel.unshare(C.CLONE_NEWUSER) }
      sync.send(.userns)
      try sync.waitFor(.mapped)
    }
    if spec.hasUserNamespace { try becomeNamespaceRoot(spec) }
    // Create the rest; the cgroup namespace waits until the runtime has placed us in our cgroup.
    let create = spec.namespaces.filter {
      $0.path == nil && $0.flag != C.CLONE_NEWCGROUP && $0.flag != C.CLONE_NEWUSER
    }
    let flags = create.reduce(Int32(0)) { $0 | $1.flag }
    let nonPid = flags & ~C.CLONE_NEWPID & ~early
    if nonPid != 0 {
      try step("unshare \(create.filter { $0.flag != C.CLONE_NEWPID }.map(\.type).joined(separator: ","))") {
        () throws(Errno) in try Kernel.unshare(nonPid)
      }
    }
    if flags & C.CLONE_NEWTIME != 0 && !spec.timeOffsets.isEmpty {
      // Before anything enters the new time namespace: the forked child at its fork, or this process at execve.
      try writeTimeOffsets(spec.timeOffsets)
    }
    if flags & C.CLONE_NEWPID != 0 && !bornInPidNamespace {
      try step("unshare pid namespace") { () throws(Errno) in try Kernel.unshare(C.CLONE_NEWPID) }
    }
    // The slow namespaces (net) exist by now; the runtime has had that long to write the cgroup limits.
    try sync.joinCgroups()
    PhaseTrace.mark("init", "cgroups joined")
    if bornInPidNamespace { return }  // create mode: no exec chroot below
    // The child must not report anything before the runtime has its pid: `go` may already be in the reader
    // it inherits, so it waits until this process has sent `pid` (end of file on a pipe this one holds).
    let reported = try step("create pid-report pipe") { () throws(Errno) -> (read: Int32, write: Int32) in
      try Kernel.pipe()
    }
    let child = try step("fork container process") { () throws(Errno) -> Int32 in try Kernel.fork() }
    if child > 0 {
      sync.send(.pid(child))
      _exit(0)  // closes the pipe's write end
    }
    Kernel.close(reported.write)
    try step("wait until the container's pid is reported") { () throws(Errno) in
      var byte: UInt8 = 0
      while true {
        let n = Glibc.read(reported.read, &byte, 1)
        if n >= 0 { break }
        if errno != EINTR { throw Errno.current }
      }
    }
    Kernel.close(reported.read)
    if spec.mode == .exec {
      try step("chdir to container root") { () throws(Errno) in try Kernel.fchdir(rootFD) }
      try step("chroot to container root") { () throws(Errno) in try Kernel.chroot(".") }
      try step("chdir to /") { () throws(Errno) in try Kernel.chdir("/") }
      Kernel.close(rootFD)
    }
  }

  /// Writes the time namespace's clock offsets (`clock seconds nanoseconds` per line) in one write, as the
  /// kernel requires.
  static func writeTimeOffsets(_ offsets: [InitSpec.TimeOffset]) throws(InitFailure) {
    let text = offsets.map { "\($0.clock) \($0.seconds) \($0.nanoseconds)\n" }.joined()
    try step("write /proc/self/timens_offsets") { () throws(Errno) in
      let fd = try Kernel.open("/proc/self/timens_offsets", flags: C.O_WRONLY)
      defer { Kernel.close(fd) }
      try FileIO.writeAll(fd: fd, Array(text.utf8))
    }
  }

  /// In a user namespace the init still has its host ids, which are unmapped there (files it created would
  /// fail with EOVERFLOW, and it could not chown the pty): switch to the namespace's root, whose capabilities
  /// the init holds inside it. Only root inside, never a host id: the runtime refuses maps without 0.
  static func becomeNamespaceRoot(_ spec: InitSpec) throws(InitFailure) {
    try step("setresgid to 0 in the user namespace") { () throws(Errno) in try Kernel.setresgid(0) }
    try step("setresuid to 0 in the user namespace") { () throws(Errno) in try Kernel.setresuid(0) }
  }

  /// Everything up to the end of the credential block; returns the credential setup (whose `lockDown`, the
  /// no_new_privs seccomp filter, comes right before `execve`) and the resolved executable.
  static func setUpContainer(_ spec: inout InitSpec, sync: inout SyncChannel)
    throws(InitFailure) -> (CredentialSetup<LinuxPrivilegeKernel>, String)
  {
    if spec.mode == .exec, let terminal = spec.terminal {
      try ConsoleSetup(spec: spec, terminal: terminal).apply(mountConsole: false)
    }
    if spec.mode == .create {
      if spec.namespaces.contains(where: { $0.flag == C.CLONE_NEWCGROUP && $0.path == nil }) {
        try step("unshare cgroup namespace") { () throws(Errno) in try Kernel.unshare(C.CLONE_NEWCGROUP) }
      }
      let rootfs = RootfsSetup(spec: spec)
      try rootfs.prepareAndPivot { () throws(InitFailure) in try InitHooks.beforeRootSwitch(spec, sync: &sync) }
      // After the root switch, so /dev/ptmx is the container's own devpts instance (as runc does it).
      if let terminal = spec.terminal {
        try ConsoleSetup(spec: spec, terminal: terminal).apply(mountConsole: spec.defaultDevices)
      }
      if let hostname = spec.hostname {
        try step("sethostname to \(hostname)") { () throws(Errno) in try Kernel.sethostname(hostname) }
      }
      if let domainname = spec.domainname {
        try step("setdomainname to \(domainname)") { () throws(Errno) in try Kernel.setdomainname(domainname) }
      }
      for pair in spec.sysctls where pair.count == 2 {
        let file = "/proc/sys/" + pair[0].split(separator: ".").joined(separator: "/")
        try step("write sysctl \(pair[0])=\(pair[1])") { () throws(Errno) in try FileIO.write(file, pair[1]) }
      }
      try rootfs.finalize()
    }
    // From the container's own /etc/passwd, so after the root switch, and before any seccomp filter.
    if !spec.env.contains(where: { $0.hasPrefix("HOME=") }) { spec.env.append("HOME=\(homeDirectory(uid: spec.user.uid))") }
    try applyRlimits(spec, sync: &sync)
    if let domain = spec.personality {
      // Before the credentials and the seccomp filter (which may not allow personality(2) with this value).
      try step("set personality \(domain)") { () throws(Errno) in try Kernel.personality(domain) }
    }
    if let adj = spec.oomScoreAdj {
      try step("write /proc/self/oom_score_adj \(adj)") { () throws(Errno) in
        try FileIO.write("/proc/self/oom_score_adj", String(adj))
      }
    }
    // Every descriptor above stdio (sync socket, start FIFO) is already close-on-exec; make sure of the rest,
    // before any seccomp filter (a profile may deny close_range).
    try step("mark fds >= 3 close-on-exec") { () throws(Errno) in
      try Kernel.closeRange(first: 3, flags: C.CLOSE_RANGE_CLOEXEC)
    }
    var credentials = CredentialSetup(spec: spec, kernel: LinuxPrivilegeKernel())
    if spec.noNewPrivileges {
      // The filter comes last (`lockDown`): cwd and executable as the final user, as before.
      try credentials.apply()
      try enterWorkingDirectory(spec)
      return (credentials, try resolveExecutable(spec))
    }
    // Without no_new_privs the filter is the credential block's first step (it needs CAP_SYS_ADMIN): the cwd
    // check and the executable lookup (getcwd, faccessat2) come before it, as the init (crun's order); execve
    // still checks the final user's permissions.
    try enterWorkingDirectory(spec)
    let path = try resolveExecutable(spec)
    try credentials.apply()
    return (credentials, path)
  }

  /// `chdir(cwd)` and the CVE-2024-21626 check that the working directory is inside the container's root.
  static func enterWorkingDirectory(_ spec: InitSpec) throws(InitFailure) {
    try step("chdir to cwd \(spec.cwd)") { () throws(Errno) in try Kernel.chdir(spec.cwd) }
    let cwd = try step("getcwd") { () throws(Errno) -> String in try Kernel.getcwd() }
    guard cwd.hasPrefix("/") else { throw InitFailure("check cwd", "working directory \(cwd) is outside the container") }
  }

  /// Applies rlimits; a hard limit above the current one cannot be raised without CAP_SYS_RESOURCE, so it is
  /// clamped and the clamp is reported to the runtime for the audit log.
  static func applyRlimits(_ spec: InitSpec, sync: inout SyncChannel) throws(InitFailure) {
    guard !spec.rlimits.isEmpty else { return }
    let status = try step("read /proc/self/status") { () throws(Errno) -> ProcStatus in try ProcStatus.read(pid: nil) }
    // CAP_SYS_RESOURCE held inside a user namespace does not raise limits: the kernel checks the host's.
    let canRaise = status.capEff & (UInt64(1) << 24) != 0 && !spec.hasUserNamespace
    for r in spec.rlimits {
      let current = try step("getrlimit \(r.name)") { () throws(Errno) -> (soft: UInt64, hard: UInt64) in
        try Kernel.getrlimit(r.resource)
      }
      var soft = r.soft
      var hard = r.hard
      if hard > current.hard && !canRaise {
        hard = current.hard
        soft = min(soft, hard)
        sync.send(.clamped(name: r.name, requestedSoft: r.soft, requestedHard: r.hard, soft: soft, hard: hard))
      }
      try step("setrlimit \(r.name) to \(soft)/\(hard)") { () throws(Errno) in
        try Kernel.setrlimit(r.resource, soft: soft, hard: hard)
      }
    }
  }

  /// Finds `args[0]` in the container (PATH search when it has no slash), as the final user.
  static func resolveExecutable(_ spec: InitSpec) throws(InitFailure) -> String {
    guard let name = spec.args.first, !name.isEmpty else { throw InitFailure("find executable", "process.args is empty") }
    if name.contains("/") {
      guard Kernel.isExecutable(name) else { throw InitFailure("find executable \(name)", Errno.current.description) }
      return name
    }
    let pathVar =
      spec.env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
      ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    for dir in pathVar.split(separator: ":") {
      let candidate = "\(dir)/\(name)"
      if Kernel.isExecutable(candidate) { return candidate }
    }
    throw InitFailure("find executable \(name)", "not found in PATH \(pathVar)")
  }

  /// The home directory of `uid` from the container's own /etc/passwd (static glibc has no NSS), else "/".
  static func homeDirectory(uid: UInt32) -> String {
    PasswdFile.home(.uid(uid)) ?? "/"
  }

  /// Blocks until `start` writes a byte to the start FIFO. The descriptor stays open, close-on-exec (marked with
  /// every other at set-up): a reader `start` opened sees the FIFO hang up at the `execve` itself (`ExecWatch`).
  static func waitForStart() throws(InitFailure) {
    var byte: UInt8 = 0
    while true {
      let n = read(SyncProtocol.startFD, &byte, 1)
      if n == 1 { break }
      if n < 0 && Errno.current == .EINTR { continue }
      throw InitFailure("wait for start", n == 0 ? "start FIFO closed" : Errno.current.description)
    }
  }
}

extension Error {
  fileprivate var step: String { (self as? InitFailure)?.step ?? "init" }
  fileprivate var text: String { (self as? InitFailure)?.text ?? "\(self)" }
}

/// The init's end of the sync socket.
struct SyncChannel {
  let fd: Int32
  var reader: LineReader
  init(fd: Int32) {
    self.fd = fd
    self.reader = LineReader(fd: fd, keepsDescriptors: true)
  }

  /// Best effort: after `create` has returned nobody listens, and the init must not die of SIGPIPE.
  func send(_ message: SyncProtocol.Message) {
    do { try FileIO.send(fd: fd, Array((message.line + "\n").utf8)) } catch {}
  }

  /// Waits for `go` from the runtime (sent once the container process is in its cgroups).
  mutating func waitForGo() throws(InitFailure) { try waitFor(.go) }

  /// Waits for `cgroups` (the container's cgroups are ready, limits written) and moves this process into
  /// each cgroup v1 hierarchy whose `tasks` file came with it: writing 0 moves the calling thread only, which
  /// the kernel does without the threadgroup lock (a `cgroup.procs` write would wait for an RCU grace
  /// period). The descriptors were opened by the runtime, and the kernel checks the opener's credentials, so
  /// this works in a user namespace too. The child forked next inherits them; the cgroup v2 directory was
  /// the init's birthplace (`clone3(CLONE_INTO_CGROUP)`).
  mutating func joinCgroups() throws(InitFailure) {
    try waitFor(.cgroups)
    let tasks = reader.takeDescriptors()
    defer { for fd in tasks { Kernel.close(fd) } }
    for fd in tasks {
      try step("write 0 to a cgroup v1 tasks file") { () throws(Errno) in try FileIO.writeAll(fd: fd, Array("0".utf8)) }
    }
  }

  /// Waits for the command `expected` from the runtime; anything else is an error.
  mutating func waitFor(_ expected: SyncProtocol.Command) throws(InitFailure) {
    let name = expected.rawValue
    let line = try step("read \(name) from runtime") { () throws(Errno) -> String? in try reader.next() }
    guard line == name else {
      throw InitFailure("wait for \(name)", "runtime sent \(line ?? "end of file")")
    }
  }
}
