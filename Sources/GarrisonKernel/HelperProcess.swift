import CGarrisonLinux
import Glibc

/// What running a helper program (an OCI hook) needs from the kernel: a close-on-exec pipe, a memfd, a pidfd,
/// `poll`, a monotonic clock and `posix_spawn` with exact stdio. No `fork`: `spawn` is safe in the threaded
/// runtime and in the single-threaded init alike (glibc's posix_spawn runs no user code in the child).
extension Kernel {
  #if arch(x86_64)
    static let sysPipe2 = 293
  #else
    static let sysPipe2 = 59  // aarch64 (the generic table)
  #endif
  /// `pidfd_open` and `pidfd_send_signal` have the same numbers on every Linux architecture (added after the
  /// tables were unified).
  static let sysPidfdOpen = 434
  static let sysPidfdSendSignal = 424

  /// The corresponding system call is `pipe2(O_CLOEXEC)` (raw: glibc declares `pipe2` only under _GNU_SOURCE).
  public static func pipe() throws(Errno) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    _ = try check {
      fds.withUnsafeMutableBufferPointer { p in
        gr_syscall6(sysPipe2, Int(bitPattern: p.baseAddress!), Int(LinuxConstants.O_CLOEXEC), 0, 0, 0, 0)
      }
    }
    return (fds[0], fds[1])
  }

  /// The corresponding system call is `pidfd_open` (the descriptor is always close-on-exec).
  public static func pidfdOpen(_ pid: Int32) throws(Errno) -> Int32 {
    Int32(try check { gr_syscall6(sysPidfdOpen, Int(pid), 0, 0, 0, 0, 0) })
  }

  /// The corresponding system call is `pidfd_send_signal`: signals the process `pidfd` refers to, never
  /// another one that reused its pid (ESRCH once it has been reaped).
  public static func pidfdSendSignal(_ pidfd: Int32, _ signal: Int32) throws(Errno) {
    _ = try check { gr_syscall6(sysPidfdSendSignal, Int(pidfd), Int(signal), 0, 0, 0, 0) }
  }

  /// The corresponding system call is `memfd_create(MFD_CLOEXEC)`, plus `MFD_ALLOW_SEALING` when `sealable`.
  public static func memfd(_ name: String, sealable: Bool = false) throws(Errno) -> Int32 {
    try check { gr_memfd_create(name, 1 | (sealable ? 2 : 0)) }
  }

  /// The corresponding C function is `fcntl(F_DUPFD_CLOEXEC)`: a close-on-exec copy of `fd` at the lowest free
  /// descriptor number not below `atLeast`.
  public static func duplicate(_ fd: Int32, atLeast: Int32) throws(Errno) -> Int32 {
    try check { gr_fcntl_int(fd, F_DUPFD_CLOEXEC, atLeast) }
  }

  /// The corresponding C function is `fcntl(F_SETFL, O_NONBLOCK)` (added to the current flags).
  public static func setNonBlocking(_ fd: Int32) throws(Errno) {
    let flags = try check { gr_fcntl_int(fd, F_GETFL, 0) }
    _ = try check { gr_fcntl_int(fd, F_SETFL, flags | LinuxConstants.O_NONBLOCK) }
  }

  /// The corresponding C function is `poll`; returns how many descriptors have events (0 on timeout).
  /// `EINTR` is returned to the caller as 0 so it can recompute its deadline.
  public static func poll(_ fds: inout [pollfd], timeoutMilliseconds: Int32) throws(Errno) -> Int {
    let n = fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), timeoutMilliseconds) }
    if n < 0 {
      let err = Errno.current
      if err == .EINTR { return 0 }
      throw err
    }
    return Int(n)
  }

  /// Decodes a `waitpid` status (the `WIFEXITED`/`WEXITSTATUS`/`WIFSIGNALED`/`WTERMSIG` macros).
  public static func exitStatus(_ status: Int32) -> (code: Int32?, signal: Int32?) {
    if gr_wifexited(status) != 0 { return (gr_wexitstatus(status), nil) }
    if gr_wifsignaled(status) != 0 { return (nil, gr_wtermsig(status)) }
    return (nil, nil)
  }

  /// Nanoseconds of `CLOCK_MONOTONIC`.
  public static func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
  }

  /// The corresponding C function is `posix_spawn`. The child gets `stdin`, `stdout`, `stderr` as fds 0–2 and
  /// nothing else (every descriptor from 3 up is closed), default signal dispositions with nothing blocked,
  /// `cwd` as its working directory when given, and its own process group when `newProcessGroup` (so a timeout
  /// can kill whatever it started). `path` is executed as is (no PATH search).
  public static func spawn(
    _ path: String, args: [String], env: [String], stdin: Int32, stdout: Int32, stderr: Int32,
    cwd: String?, newProcessGroup: Bool
  ) throws(Errno) -> Int32 {
    // A source below 3 (the caller's stdio was closed and reused) could be overwritten by an earlier dup2.
    var moved: [Int32] = []
    defer { for fd in moved { Glibc.close(fd) } }
    func high(_ fd: Int32) throws(Errno) -> Int32 {
      guard fd < 3 else { return fd }
      let copy = try check { gr_fcntl_int(fd, F_DUPFD_CLOEXEC, 3) }
      moved.append(copy)
      return copy
    }
    let sources = [try high(stdin), try high(stdout), try high(stderr)]
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (target, from) in sources.enumerated() {
      posix_spawn_file_actions_adddup2(&actions, from, Int32(target))
    }
    _ = try check { gr_spawn_addclosefrom(&actions, 3) }
    if let cwd { _ = try check { gr_spawn_addchdir(&actions, cwd) } }
    var attr = SpawnAttributes(newProcessGroup: newProcessGroup)
    defer { attr.destroy() }
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attr.value, argv, envp)
    guard rc == 0 else { throw Errno(rawValue: rc) }
    return pid
  }
}

/// The `posix_spawn` attributes of every process Garrison spawns: all signals unblocked and at their default
/// disposition; `SCHED_OTHER` when the spawning thread runs under a real-time policy (never passed on:
/// `Kernel.threadRunsRealTime`); with `newProcessGroup`, a process group of its own; with `newSession`, `setsid`
/// (`POSIX_SPAWN_SETSID`). `destroy()` when done.
public struct SpawnAttributes {
  public var value = posix_spawnattr_t()

  public init(newProcessGroup: Bool = false, newSession: Bool = false) {
    posix_spawnattr_init(&value)
    var empty = sigset_t()
    sigemptyset(&empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&value, &empty)
    posix_spawnattr_setsigdefault(&value, &all)
    var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
    if newProcessGroup {
      posix_spawnattr_setpgroup(&value, 0)
      flags |= POSIX_SPAWN_SETPGROUP
    }
    if newSession { flags |= 0x80 }  // POSIX_SPAWN_SETSID (glibc 2.26+; not exported to Swift)
    if Kernel.threadRunsRealTime() {
      posix_spawnattr_setschedpolicy(&value, SCHED_OTHER)
      var normal = sched_param(sched_priority: 0)
      posix_spawnattr_setschedparam(&value, &normal)
      flags |= POSIX_SPAWN_SETSCHEDULER
    }
    posix_spawnattr_setflags(&value, Int16(flags))
  }

  /// The corresponding C function is `posix_spawnattr_destroy`.
  public mutating func destroy() { posix_spawnattr_destroy(&value) }
}
