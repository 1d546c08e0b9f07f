import CGarrisonKeeper

/// Writes `text` to stderr (the pod's supervisor.log).
func complain(_ text: String) {
  var bytes = Array("garrison-keeper: \(text)\n".utf8)
  _ = write(2, &bytes, bytes.count)
}

/// The process arguments as bytes (argv[0] dropped).
func commandLine() -> [[UInt8]] {
  var out: [[UInt8]] = []
  var k = 1
  guard let argv = gr_keeper_argv() else { return out }
  while k < Int(gr_keeper_argc()) {
    guard let p = argv[k] else { break }
    var bytes: [UInt8] = []
    var i = 0
    while p[i] != 0 {
      bytes.append(UInt8(bitPattern: p[i]))
      i += 1
    }
    out.append(bytes)
    k += 1
  }
  return out
}

/// `GARRISON_TRACE_PHASES=1`: a phase mark on stderr in PhaseTrace's format (monotonic microseconds), so a
/// handover's cost reads off supervisor.log beside the supervisor's own marks.
func mark(_ name: String) {
  guard getenv("GARRISON_TRACE_PHASES") != nil else { return }
  var bytes = Array("phase \(name) +0 us at \(Keeper.monotonicMicroseconds() % 100_000_000) us\n".utf8)
  _ = write(2, &bytes, bytes.count)
}

func keeperMain() -> Int32 {
  let (parsed, problem) = KeeperArguments.parse(commandLine())
  guard let arguments = parsed else {
    complain("bad arguments (\(problem)); only garrison-supervisor starts the keeper")
    return 2
  }
  if arguments.ignored > 0 { complain("ignored \(arguments.ignored) unknown option(s)") }
  var keeper = Keeper(arguments: arguments)
  guard keeper.setUp() else {
    complain("cannot take signals; handing the pod back")
    _ = keeper.execWorker()
    return 1
  }
  mark("keeper started")
  var deadline = arguments.deadlineMilliseconds.map { Keeper.monotonicMilliseconds() + Int64($0) }
  var retry: Int64 = 100
  var retrying = false
  while true {
    keeper.waitForEvent(deadline: deadline, retrying: retrying)
    mark("keeper exec supervisor")
    let e = keeper.execWorker()
    // The worker could not be exec'd: keep reaping and copying, and try again with backoff (up to 5 s).
    complain("cannot exec the supervisor (errno \(e)); retrying in \(retry) ms")
    deadline = Keeper.monotonicMilliseconds() + retry
    retry = min(retry * 2, 5000)
    retrying = true
  }
}

exit(keeperMain())
