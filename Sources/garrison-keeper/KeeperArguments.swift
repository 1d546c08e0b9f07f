import CGarrisonKeeper

/// One container's output streams and its CRI log file, as the worker hands them over: the read ends of the
/// stdout and stderr pipes (-1: already at EOF), the log file (opened `O_APPEND`), and the bytes of each stream
/// read but not yet written (the start of a line).
struct LogHandover {
  var stdout: Int32
  var stderr: Int32
  var log: Int32
  var stdoutPending: [UInt8]
  var stderrPending: [UInt8]
}

/// The keeper's command line, written by garrison-supervisor (`Handover`):
/// `garrison-keeper --worker PATH [--deadline-ms N] [--kmsg-fd FD [--cgroup-parent /garrison/UID
/// [--seccomp-claims DIR]]] [--pid PID]…
/// [--log OUT,ERR,LOG,OUTHEX,ERRHEX]… -- WORKER-ARGV…`.
/// Only the worker writes it, but it is still checked: descriptors must be open and above stderr, the worker an
/// absolute path, the deadline a number.
struct KeeperArguments {
  var worker: [UInt8] = []
  /// Milliseconds from now until the worker wants to run again (a backoff ends); nil: only on an event.
  var deadlineMilliseconds: Int?
  /// The keeper's own /dev/kmsg descriptor (opened at the end of the log by the worker): readable means the
  /// kernel logged something; a seccomp record (`type=1326`) wakes the worker.
  var kmsg: Int32?
  /// The pod's cgroup path below each hierarchy's root (`/garrison/<pod uid>`): a seccomp record of a live process
  /// outside it (another pod's, the host's) does not wake the worker, which would skip it. Nil: every record wakes.
  var cgroupParent: [UInt8]?
  /// This boot's seccomp claims directory (`SeccompRecordClaims`): a record of a process already gone wakes the
  /// worker only if this pod claims it there first. Nil: every such record wakes it.
  var seccompClaims: [UInt8]?
  var logs: [LogHandover] = []
  /// The children whose exit wakes the worker (containers, the sandbox); others (orphans re-parented to this
  /// subreaper) are reaped and forgotten. Empty: every exit wakes it.
  var pids: [Int32] = []
  /// How many options (with their values) were not known and ignored.
  var ignored = 0
  /// The worker's own arguments (argv[0] first), passed back unchanged.
  var workerArguments: [[UInt8]] = []

  /// Parses `argv` (without the keeper's argv[0]); nil and a message on anything unexpected.
  static func parse(_ argv: [[UInt8]]) -> (KeeperArguments?, String) {
    var a = KeeperArguments()
    var i = 0
    while i < argv.count {
      let option = argv[i]
      if option == Array("--".utf8) {
        a.workerArguments = Array(argv[(i + 1)...])
        break
      }
      guard i + 1 < argv.count else { return (nil, "missing value") }
      let value = argv[i + 1]
      i += 2
      if option == Array("--worker".utf8) {
        guard value.first == UInt8(ascii: "/") else { return (nil, "--worker: not an absolute path") }
        a.worker = value
      } else if option == Array("--deadline-ms".utf8) {
        guard let n = number(value), n <= 86_400_000 else { return (nil, "--deadline-ms: not a number") }
        a.deadlineMilliseconds = n
      } else if option == Array("--kmsg-fd".utf8) {
        guard let fd = descriptor(value) else { return (nil, "--kmsg-fd: not an open descriptor") }
        a.kmsg = fd
      } else if option == Array("--cgroup-parent".utf8) {
        guard value.first == UInt8(ascii: "/"), value.count < 256, !value.contains(0) else {
          return (nil, "--cgroup-parent: not an absolute path")
        }
        a.cgroupParent = value
      } else if option == Array("--seccomp-claims".utf8) {
        guard value.first == UInt8(ascii: "/"), value.count < 4096, !value.contains(0) else {
          return (nil, "--seccomp-claims: not an absolute path")
        }
        a.seccompClaims = value
      } else if option == Array("--pid".utf8) {
        guard let n = number(value), n > 0 else { return (nil, "--pid: not a pid") }
        a.pids.append(Int32(n))
      } else if option == Array("--log".utf8) {
        guard let log = parseLog(value) else { return (nil, "--log: not OUT,ERR,LOG,OUTHEX,ERRHEX") }
        a.logs.append(log)
      } else {
        // An option of a newer supervisor (installed beside an older keeper): ignored, so the pod is not lost
        // over it; every option the keeper knows is checked above.
        a.ignored += 1
      }
    }
    guard !a.worker.isEmpty, !a.workerArguments.isEmpty else { return (nil, "--worker and the worker's arguments are required") }
    return (a, "")
  }

  /// `OUT,ERR,LOG,OUTHEX,ERRHEX`: pipe read ends (-1: closed), the log file, pending bytes in hex (`-`: none).
  static func parseLog(_ value: [UInt8]) -> LogHandover? {
    let f = value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { Array($0) }
    guard f.count == 5, let log = descriptor(f[2]) else { return nil }
    var streams: [Int32] = []
    for text in f[0..<2] {
      if text == Array("-1".utf8) {
        streams.append(-1)
      } else {
        guard let fd = descriptor(text) else { return nil }
        streams.append(fd)
      }
    }
    guard let out = Hex.decode(f[3]), let err = Hex.decode(f[4]), out.count < 1 << 16, err.count < 1 << 16 else { return nil }
    return LogHandover(stdout: streams[0], stderr: streams[1], log: log, stdoutPending: out, stderrPending: err)
  }

  /// A decimal number below 2^31.
  static func number(_ text: [UInt8]) -> Int? {
    guard !text.isEmpty, text.count <= 10 else { return nil }
    var n = 0
    for c in text {
      guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
      n = n * 10 + Int(c - UInt8(ascii: "0"))
    }
    return n < 1 << 31 ? n : nil
  }

  /// An open descriptor above stderr.
  static func descriptor(_ text: [UInt8]) -> Int32? {
    guard let n = number(text), n > 2, n < 1 << 20, gr_keeper_fd_flags(Int32(n)) >= 0 else { return nil }
    return Int32(n)
  }
}

/// Lower-case hex, both ways (`-` is the empty string, so no argument is ever empty).
enum Hex {
  static let digits = Array("0123456789abcdef".utf8)

  static func encode(_ bytes: [UInt8]) -> [UInt8] {
    if bytes.isEmpty { return [UInt8(ascii: "-")] }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return out
  }

  static func decode(_ text: [UInt8]) -> [UInt8]? {
    if text == [UInt8(ascii: "-")] { return [] }
    guard text.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(text.count / 2)
    var i = 0
    while i < text.count {
      guard let hi = value(text[i]), let lo = value(text[i + 1]) else { return nil }
      out.append(hi << 4 | lo)
      i += 2
    }
    return out
  }

  static func value(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    default: return nil
    }
  }
}
