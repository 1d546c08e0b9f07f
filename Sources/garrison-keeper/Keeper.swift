import CGarrisonKeeper

/// garrison-keeper: what stays of a pod's supervisor while the pod is quiescent. garrison-supervisor `execve`s it
/// (same pid, still the pods' child subreaper, the containers' pipes and log files inherited) and it only reaps,
/// copies container output into the CRI logs and waits, on one thread, for an event: a child exited, SIGTERM or
/// SIGINT (a stop request), the deadline the worker gave it, or a seccomp record in the kernel log. Then it
/// `execve`s garrison-supervisor back with the exit statuses (raw wait statuses), the logs' unfinished lines and
/// the event in its arguments. An Embedded Swift executable: ~0.6 MB resident against the worker's 7 MB.
struct Keeper {
  var arguments: KeeperArguments
  var copies: [LogCopy] = []
  /// Which `copies` belong to each `--log` (stdout, stderr: indices, -1 for a stream already closed).
  var logCopies: [(Int, Int)] = []
  var exited: [(Int32, Int32)] = []
  var terminate = false
  var seccomp = false
  /// Pids of seccomp records of live processes outside this pod (at most `foreignLimit`), passed to the worker
  /// (`--seccomp-foreign`), which reads the same records later, perhaps after those processes are gone.
  var foreign: [Int32] = []
  var signals: Int32 = -1
  var original = sigset_t()

  init(arguments: KeeperArguments) {
    self.arguments = arguments
    for log in arguments.logs {
      var pair = (-1, -1)
      if log.stdout >= 0 {
        pair.0 = copies.count
        copies.append(LogCopy(fd: log.stdout, log: log.log, stream: Array("stdout".utf8), pending: log.stdoutPending))
      }
      if log.stderr >= 0 {
        pair.1 = copies.count
        copies.append(LogCopy(fd: log.stderr, log: log.log, stream: Array("stderr".utf8), pending: log.stderrPending))
      }
      logCopies.append(pair)
    }
  }

  /// Blocks SIGCHLD, SIGTERM and SIGINT and takes them through a signalfd; the mask the worker had is restored
  /// before the worker is exec'd again (SIGTERM and SIGINT blocked: one that arrives during the exec stays
  /// pending for the worker's signal thread).
  mutating func setUp() -> Bool {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGCHLD)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGINT)
    guard sigprocmask(SIG_BLOCK, &set, &original) == 0 else { return false }
    signals = signalfd(-1, &set, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
    if let k = arguments.kmsg { _ = gr_keeper_set_cloexec(k, 1) }
    return signals >= 0
  }

  /// Reaps every exited child (raw statuses of the watched ones kept for the worker).
  mutating func reap() {
    while true {
      var status: Int32 = 0
      let pid = waitpid(-1, &status, WNOHANG)
      if pid <= 0 { return }
      if arguments.pids.isEmpty || arguments.pids.contains(pid) { exited.append((pid, status)) }
    }
  }

  /// Reads the pending signals: SIGTERM or SIGINT asks for a stop; SIGCHLD means a child to reap.
  mutating func readSignals() {
    var info = signalfd_siginfo()
    let size = MemoryLayout<signalfd_siginfo>.size
    while withUnsafeMutableBytes(of: &info, { read(signals, $0.baseAddress, size) }) == size {
      if info.ssi_signo == UInt32(SIGTERM) || info.ssi_signo == UInt32(SIGINT) { terminate = true }
    }
    reap()
  }

  /// Reads every kernel log record available (one per `read`); a seccomp record of this pod (or records lost to an
  /// overrun) wakes the worker.
  mutating func readKmsg(_ fd: Int32) {
    var buf = [UInt8](repeating: 0, count: 8192)
    let marker = Array("type=1326 ".utf8)
    while true {
      let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n > 0 {
        if contains(buf[0..<n], marker) { judge(buf[0..<n]) }
        continue
      }
      if n < 0 && gr_keeper_errno() == EINTR { continue }
      if n < 0 && gr_keeper_errno() == EPIPE {
        seccomp = true
        continue
      }
      return
    }
  }

  /// A seccomp record wakes the worker when it is this pod's to audit (`concernsThisPod`); otherwise its pid is
  /// remembered for the worker. The list holds `foreignLimit` pids (one `--seccomp-foreign` argument): a record
  /// of another pid once it is full wakes the worker too, which reads the records now, at its own position, while
  /// that process is still there to be found elsewhere; no record of a foreign pid is left unattributed.
  mutating func judge(_ record: ArraySlice<UInt8>) {
    if concernsThisPod(record) {
      seccomp = true
      return
    }
    guard let digits = field(record, Array(" pid=".utf8)), let pid = Int32(decimal: digits), !foreign.contains(pid)
    else { return }
    if foreign.count == Keeper.foreignLimit {
      seccomp = true
      return
    }
    foreign.append(pid)
  }

  /// How many foreign pids the keeper passes back (the supervisor's `KeeperReturn.pids` takes as many).
  static let foreignLimit = 256

  /// Whether a seccomp record is this pod's to audit, as the worker decides (`SeccompDenialMonitor.owner`): its
  /// process is in the pod's cgroups, or is gone (unattributed) and this pod claims the record (`claimGone`), or
  /// the record names no pid. A live process elsewhere (another pod's, the host's) is not: waking for it would
  /// only keep this pod's supervisor resident.
  func concernsThisPod(_ record: ArraySlice<UInt8>) -> Bool {
    guard let parent = arguments.cgroupParent, let pid = field(record, Array(" pid=".utf8)) else { return true }
    var path = Array("/proc/".utf8) + pid + Array("/cgroup".utf8)
    path.append(0)
    let fd = path.withUnsafeBufferPointer { p in
      p.withMemoryRebound(to: CChar.self) { gr_keeper_open_read($0.baseAddress) }
    }
    guard fd >= 0 else { return claimGone(record) }
    defer { close(fd) }
    var text: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while text.count < 65_536 {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && gr_keeper_errno() == EINTR { continue }
      if n <= 0 { break }
      text += chunk[0..<n]
    }
    // Read nothing: the process exited between the record and this read.
    if text.isEmpty { return claimGone(record) }
    return contains(text[...], parent + [UInt8(ascii: "/")])
  }

  /// Whether this pod audits a record of a process already gone: it claims the record in the claims directory, as
  /// the worker's `SeccompRecordClaims` does (a symbolic link named by the record's sequence number whose target is
  /// the pod uid), or had claimed it. Another pod's claim means another pod's supervisor writes it. Without a
  /// claims directory, or when the claim can be neither made nor read, it wakes the worker, which decides.
  func claimGone(_ record: ArraySlice<UInt8>) -> Bool {
    guard let dir = arguments.seccompClaims, let parent = arguments.cgroupParent, let sequence = sequence(record),
      let slash = parent.lastIndex(of: UInt8(ascii: "/"))
    else { return true }
    let uid = Array(parent[(slash + 1)...])
    var link = dir + [UInt8(ascii: "/")] + sequence + [0]
    var target = uid + [0]
    let made = link.withUnsafeMutableBufferPointer { l in
      target.withUnsafeMutableBufferPointer { t in
        l.withMemoryRebound(to: CChar.self) { lc in
          t.withMemoryRebound(to: CChar.self) { tc in symlinkat(tc.baseAddress!, AT_FDCWD, lc.baseAddress!) }
        }
      }
    }
    if made == 0 { return true }
    guard gr_keeper_errno() == EEXIST else { return true }
    var holder = [UInt8](repeating: 0, count: 256)
    let n = link.withUnsafeMutableBufferPointer { l in
      holder.withUnsafeMutableBufferPointer { h in
        l.withMemoryRebound(to: CChar.self) { lc in
          h.withMemoryRebound(to: CChar.self) { hc in readlink(lc.baseAddress!, hc.baseAddress!, 256) }
        }
      }
    }
    guard n >= 0 else { return true }
    return Array(holder[0..<n]) == uid
  }

  /// The sequence number of a kernel log record (`PRI,SEQ,USEC,FLAGS;…`), as digits.
  func sequence(_ record: ArraySlice<UInt8>) -> [UInt8]? {
    guard let first = record.firstIndex(of: UInt8(ascii: ",")) else { return nil }
    var digits: [UInt8] = []
    var i = first + 1
    while i < record.endIndex, record[i] >= UInt8(ascii: "0"), record[i] <= UInt8(ascii: "9"), digits.count < 20 {
      digits.append(record[i])
      i += 1
    }
    guard i < record.endIndex, record[i] == UInt8(ascii: ","), !digits.isEmpty else { return nil }
    return digits
  }

  /// The digits after `key` in `record` (e.g. ` pid=`), nil if absent or empty.
  func field(_ record: ArraySlice<UInt8>, _ key: [UInt8]) -> [UInt8]? {
    var i = record.startIndex
    while i + key.count <= record.endIndex {
      if record[i..<(i + key.count)].elementsEqual(key) {
        var j = i + key.count
        var digits: [UInt8] = []
        while j < record.endIndex, record[j] >= UInt8(ascii: "0"), record[j] <= UInt8(ascii: "9"), digits.count < 10 {
          digits.append(record[j])
          j += 1
        }
        return digits.isEmpty ? nil : digits
      }
      i += 1
    }
    return nil
  }

  func contains(_ hay: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
    guard hay.count >= needle.count else { return false }
    var i = hay.startIndex
    while i + needle.count <= hay.endIndex {
      if hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
      i += 1
    }
    return false
  }

  /// The monotonic clock in microseconds.
  static func monotonicMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
  }

  /// The monotonic clock in milliseconds.
  static func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// Waits for events until one needs the worker, copying logs meanwhile; returns when it is time to exec.
  /// `retrying`: an exec failed, so the keeper waits for the deadline whatever happens (still reaping and copying).
  mutating func waitForEvent(deadline: Int64?, retrying: Bool = false) {
    reap()
    while retrying || (exited.isEmpty && !terminate && !seccomp) {
      var fds = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
      if let k = arguments.kmsg { fds.append(pollfd(fd: k, events: Int16(POLLIN), revents: 0)) }
      let first = fds.count
      for c in copies { fds.append(pollfd(fd: c.fd, events: c.fd >= 0 ? Int16(POLLIN) : 0, revents: 0)) }
      var timeout: Int32 = -1
      if let deadline {
        let left = deadline - Keeper.monotonicMilliseconds()
        if left <= 0 { return }
        timeout = Int32(min(left, 3_600_000))
      }
      let n = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
      if n < 0 && gr_keeper_errno() != EINTR { return }
      if n <= 0 { continue }
      if fds[0].revents != 0 { readSignals() }
      if let k = arguments.kmsg, fds[1].revents != 0 { readKmsg(k) }
      for i in copies.indices where copies[i].fd >= 0 && fds[first + i].revents != 0 {
        _ = copies[i].pump()
      }
    }
  }

  /// The worker's command line: its own arguments, then what happened and what it takes back.
  func workerArgv(budget: Int) -> [[UInt8]] {
    var argv = arguments.workerArguments
    for (pid, status) in exited {
      argv.append(Array("--exited".utf8))
      argv.append(Array("\(pid):\(status)".utf8))
    }
    for (k, log) in arguments.logs.enumerated() {
      let (o, e) = logCopies[k]
      let out = o >= 0 ? copies[o] : nil
      let err = e >= 0 ? copies[e] : nil
      let fields: [[UInt8]] = [
        Array("\(out?.fd ?? -1)".utf8), Array("\(err?.fd ?? -1)".utf8), Array("\(log.log)".utf8),
        Hex.encode(budget > 0 ? out?.pending ?? [] : []), Hex.encode(budget > 0 ? err?.pending ?? [] : []),
      ]
      argv.append(Array("--log".utf8))
      argv.append(Array(fields.joined(separator: [UInt8(ascii: ",")])))
    }
    if !foreign.isEmpty {
      argv.append(Array("--seccomp-foreign".utf8))
      var list: [UInt8] = []
      for (k, pid) in foreign.enumerated() {
        if k > 0 { list.append(UInt8(ascii: ",")) }
        list += Array("\(pid)".utf8)
      }
      argv.append(list)
    }
    if terminate { argv.append(Array("--terminate".utf8)) }
    return argv
  }

  /// Unfinished lines too large to pass in the arguments (over 512 KiB in all) are written as `P` lines first.
  mutating func flushLargePending() -> Int {
    let total = copies.reduce(0) { $0 + $1.pending.count }
    if total <= 1 << 19 { return 1 }
    for i in copies.indices where !copies[i].pending.isEmpty {
      copies[i].emit(copies[i].pending[...], partial: true)
      copies[i].pending = []
    }
    return 0
  }

  /// `execve`s the worker; returns only if that failed (errno).
  mutating func execWorker() -> Int32 {
    let budget = flushLargePending()
    let argv = workerArgv(budget: budget)
    var mask = original
    sigprocmask(SIG_SETMASK, &mask, nil)
    var strings: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
      let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
      for (k, b) in bytes.enumerated() { p[k] = CChar(truncatingIfNeeded: b) }
      p[bytes.count] = 0
      return p
    }
    strings.append(nil)
    var path = arguments.worker.map { CChar(truncatingIfNeeded: $0) }
    path.append(0)
    _ = execve(path, strings, gr_keeper_environ())
    let e = gr_keeper_errno()
    for p in strings { p?.deallocate() }
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGCHLD)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGINT)
    sigprocmask(SIG_BLOCK, &set, nil)
    return e
  }
}

extension Int32 {
  /// The value of at most 10 ASCII digits, nil if it does not fit.
  init?(decimal digits: [UInt8]) {
    guard !digits.isEmpty, digits.count <= 10 else { return nil }
    var n: Int64 = 0
    for d in digits {
      guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
      n = n * 10 + Int64(d - UInt8(ascii: "0"))
    }
    guard n <= Int64(Int32.max) else { return nil }
    self = Int32(n)
  }
}
