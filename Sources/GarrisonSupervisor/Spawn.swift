#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// How a spawned child's standard streams are wired.
public struct SpawnIO: Sendable {
  /// File descriptors to place at 0, 1 and 2 (`nil`: /dev/null).
  public var stdin: Int32?
  public var stdout: Int32?
  public var stderr: Int32?
  /// File descriptors to place at 3, 4, … in order (`dup2`ed after 0–2, in order: none may be a number an
  /// earlier one was placed at).
  public var inherited: [Int32]
  public init(stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil, inherited: [Int32] = []) {
    self.stdin = stdin
    self.stdout = stdout
    self.stderr = stderr
    self.inherited = inherited
  }
}

/// Starts processes with glibc `posix_spawn` (safe from a threaded Swift process; Garrison never forks).
public enum Spawn {
  /// Spawns `argv` (absolute path or looked up in PATH) and returns its pid. With `newSession` the child
  /// calls setsid (`POSIX_SPAWN_SETSID`), which detaches it from the terminal and the caller's process group.
  public static func start(
    _ argv: [String], io: SpawnIO = SpawnIO(), newSession: Bool = false,
    environment: [String]? = nil
  ) throws -> pid_t {
    precondition(!argv.isEmpty)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attr = SpawnAttributes(newSession: newSession)
    defer { attr.destroy() }

    for (target, fd) in [(Int32(0), io.stdin), (1, io.stdout), (2, io.stderr)] {
      if let fd {
        posix_spawn_file_actions_adddup2(&actions, fd, target)
      } else {
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      }
    }
    for (k, fd) in io.inherited.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(k)) }

    let env = environment ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
    var cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
    defer {
      for p in cargv { free(p) }
      for p in cenv { free(p) }
    }
    var pid: pid_t = 0
    let rc =
      argv[0].contains("/" as Character)
      ? posix_spawn(&pid, argv[0], &actions, &attr.value, &cargv, &cenv)
      : posix_spawnp(&pid, argv[0], &actions, &attr.value, &cargv, &cenv)
    guard rc == 0 else {
      throw GarrisonError(.system, operation: "posix_spawn", "cannot start \(argv[0])", errno: rc)
    }
    return pid
  }

  /// The result of a finished command.
  public struct Result: Sendable {
    public var status: ExitStatus
    public var output: String
    public var succeeded: Bool { status == .exited(0) }
  }

  /// Runs a command to completion, capturing stdout and stderr together. `wait` decides how the exit
  /// status is collected (`waitpid` on that pid, or the supervisor's single reaper).
  public static func run(_ argv: [String], stdin: Int32? = nil, wait: (pid_t) throws -> ExitStatus = Spawn.waitPID) throws -> Result {
    let p = try makePipe()
    let fds = [p.read, p.write]
    let pid: pid_t
    do {
      pid = try start(argv, io: SpawnIO(stdin: stdin, stdout: fds[1], stderr: fds[1]))
    } catch {
      close(fds[0]); close(fds[1])
      throw error
    }
    close(fds[1])
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = read(fds[0], &buf, buf.count)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      out += buf[0..<n]
    }
    close(fds[0])
    let status = try wait(pid)
    return Result(status: status, output: String(decoding: out, as: UTF8.self))
  }

  /// Runs a command and throws a system error with its output unless it exits 0.
  @discardableResult
  public static func check(_ argv: [String], wait: (pid_t) throws -> ExitStatus = Spawn.waitPID) throws -> String {
    let r = try run(argv, wait: wait)
    guard r.succeeded else {
      throw GarrisonError(
        .system, operation: argv.prefix(3).joined(separator: " "),
        "`\(argv.joined(separator: " "))` \(r.status): \(r.output.trimmingWhitespace())")
    }
    return r.output
  }

  /// `waitpid` on one pid (the CLI, which has no reaper thread).
  public static func waitPID(_ pid: pid_t) throws -> ExitStatus {
    var st: Int32 = 0
    while true {
      let r = waitpid(pid, &st, 0)
      if r == pid { return ExitStatus(waitStatus: st) }
      if r < 0 && errno == EINTR { continue }
      throw GarrisonError(.system, operation: "waitpid", "cannot wait for pid \(pid)", errno: errno)
    }
  }
}

/// How a process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible, Codable {
  case exited(Int32)
  case signaled(Int32)

  /// Decodes a `waitpid` status (GarrisonKernel's `exitStatus`: the W* macros).
  public init(waitStatus st: Int32) {
    let decoded = Kernel.exitStatus(st)
    self = decoded.signal.map { .signaled($0) } ?? .exited(decoded.code ?? 0)
  }

  /// The Kubernetes-style exit code: the status, or 128 + signal.
  public var code: Int32 {
    switch self {
    case .exited(let c): return c
    case .signaled(let s): return 128 + s
    }
  }

  public var description: String {
    switch self {
    case .exited(let c): return "exited with status \(c)"
    case .signaled(let s): return "killed by signal \(s)"
    }
  }
}
