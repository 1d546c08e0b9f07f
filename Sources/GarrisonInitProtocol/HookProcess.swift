import GarrisonKernel
import Glibc

/// Runs one OCI hook and waits for it: the state JSON on stdin (a memfd, so the hook may read it at its own pace
/// and nobody blocks writing it), stdout and stderr into one pipe of which the last `outputLimit` bytes are kept
/// for the error message, nothing else inherited, its own process group. The wait polls a pidfd and the pipe;
/// on `timeout` the whole process group is killed with SIGKILL and reaped. No signal handler, no `SIGALRM`,
/// no thread: the same code runs in the threaded runtime and in the single-threaded init.
public enum HookProcess {
  /// The most hook output kept (the end of it) for error messages.
  public static let outputLimit = 4096

  /// How a hook run ended, how long it took and the end of what it printed.
  public struct Outcome: Sendable {
    public var result: HookResult
    public var durationMicroseconds: UInt64
    public var output: String

    /// The output on one line, for an error message (empty when the hook printed nothing).
    public var outputSummary: String {
      let flat = output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingSpaces }
        .filter { !$0.isEmpty }.joined(separator: " | ")
      return flat.isEmpty ? "" : "; output: \(flat)"
    }
  }

  /// Runs `hook` with `state` on stdin, `hook.env ?? defaultEnv` as its environment and `cwd` (when given) as
  /// its working directory. Never throws: a failure to start it is `.spawnFailed`.
  public static func run(_ hook: InitSpec.Hook, state: [UInt8], defaultEnv: [String], cwd: String?) -> Outcome {
    let started = Kernel.monotonicNanoseconds()
    func outcome(_ result: HookResult, _ output: [UInt8] = []) -> Outcome {
      Outcome(
        result: result, durationMicroseconds: (Kernel.monotonicNanoseconds() - started) / 1000,
        output: String(decoding: output, as: UTF8.self))
    }
    let stdin: Int32
    let out: (read: Int32, write: Int32)
    do throws(Errno) {
      stdin = try Kernel.memfd("oci-hook-state")
      do {
        try FileIO.writeAll(fd: stdin, state)
        _ = lseek(stdin, 0, SEEK_SET)
        out = try Kernel.pipe()
      } catch {
        Kernel.close(stdin)
        throw error
      }
    } catch {
      return outcome(.spawnFailed(error.rawValue))
    }
    defer { Kernel.close(out.read) }
    let pid: Int32
    do {
      defer {
        Kernel.close(stdin)
        Kernel.close(out.write)  // only the hook (and what it starts) holds the write end now
      }
      try Kernel.setNonBlocking(out.read)
      pid = try Kernel.spawn(
        hook.path, args: hook.argv, env: hook.env ?? defaultEnv, stdin: stdin, stdout: out.write,
        stderr: out.write, cwd: cwd, newProcessGroup: true)
    } catch {
      return outcome(.spawnFailed(error.rawValue))
    }
    var output = OutputTail(fd: out.read)
    // The runtime validated 0 < timeout <= Int32.max; clamp anyway rather than trap on a bad value.
    let deadline = hook.timeout.map { started + UInt64(min(max($0, 1), Int(Int32.max))) * 1_000_000_000 }
    let ended = wait(pid, deadline: deadline, output: &output)
    output.drain()
    let status: Int32
    switch ended {
    case .status(let s): status = s
    case .timedOut: return outcome(.timedOut(seconds: hook.timeout ?? 0), output.bytes)
    case .lost(let err): return outcome(.waitFailed(err.rawValue), output.bytes)
    }
    let decoded = Kernel.exitStatus(status)
    if let code = decoded.code { return outcome(.exited(code), output.bytes) }
    return outcome(.signaled(decoded.signal ?? 0), output.bytes)
  }

  /// How the wait for a hook ended.
  enum Ended {
    case status(Int32)
    /// `deadline` passed: the process group has been killed and the process reaped.
    case timedOut
    /// `waitpid` failed (ECHILD: the caller ignores SIGCHLD, so the kernel reaped it and its status is gone).
    case lost(Errno)
  }

  /// Waits for `pid` while collecting its output until it exits or `deadline` (monotonic nanoseconds) passes.
  static func wait(_ pid: Int32, deadline: UInt64?, output: inout OutputTail) -> Ended {
    // Without a pidfd (a kernel before 5.3, or a seccomp filter refusing pidfd_open after the init installed the
    // container's) the exit is noticed by polling waitpid every 10 ms.
    let pidfd = (try? Kernel.pidfdOpen(pid)) ?? -1
    defer { if pidfd >= 0 { Kernel.close(pidfd) } }
    while true {
      do {
        let reaped = try Kernel.waitpid(pid, flags: WNOHANG)
        if reaped.pid == pid { return .status(reaped.status) }
      } catch {
        return .lost(error)
      }
      let now = Kernel.monotonicNanoseconds()
      var timeout: Int32 = -1
      if let deadline {
        if now >= deadline {
          _ = try? Kernel.kill(-pid, SIGKILL)  // the group: whatever the hook started goes with it
          _ = try? Kernel.kill(pid, SIGKILL)  // in case it left its group
          _ = try? Kernel.waitpid(pid)
          return .timedOut
        }
        timeout = Int32(min((deadline - now) / 1_000_000 + 1, 60_000))
      }
      if pidfd < 0 { timeout = timeout < 0 ? 10 : min(timeout, 10) }
      var fds: [pollfd] = []
      if output.open { fds.append(pollfd(fd: output.fd, events: Int16(POLLIN), revents: 0)) }
      if pidfd >= 0 { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
      _ = try? Kernel.poll(&fds, timeoutMilliseconds: timeout)
      if output.open && fds[0].revents != 0 { output.drain() }
    }
  }

  /// The last `outputLimit` bytes read from a non-blocking pipe.
  struct OutputTail {
    let fd: Int32
    var open = true
    var bytes: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// Reads what is there now; end of file (every writer gone) stops further polling.
    mutating func drain() {
      guard open else { return }
      var chunk = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
          bytes.append(contentsOf: chunk[0..<n])
          if bytes.count > HookProcess.outputLimit { bytes.removeFirst(bytes.count - HookProcess.outputLimit) }
          continue
        }
        if n == 0 { open = false }
        if n < 0 && errno == EINTR { continue }
        return
      }
    }
  }
}

extension Substring {
  fileprivate var trimmingSpaces: Substring {
    var s = self
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
    return s
  }
}
