/// The line protocol between the runtime and `garrison-init` on fd 4 (a stream socket), and the fixed fds.
///
/// init → runtime: `userns` (the init has unshared its user namespace and waits for `mapped`),
/// `pid <host pid>` (the container process exists), `ready` (set up, waiting for start),
/// `clamped <RLIMIT_X> <soft> <hard> <applied soft> <applied hard>`, `error <step>: <text>`,
/// `hooks` (only with prestart/createRuntime hooks: the container's namespaces and mounts exist, the root is
/// not switched yet; the init waits for `resume`), `hook <kind> <index> <exit|signal|timeout|spawn|wait> <n> <µs>`
/// (a hook the init ran has finished; `HookReport`).
/// runtime → init: `mapped` (uid_map and gid_map are written), `cgroups` (every limit is written; attached as
/// `SCM_RIGHTS`, the `tasks` file of each cgroup v1 directory, which the pre-fork init joins before it forks),
/// `go` (the container process may proceed; it is in its cgroups: sent right after `cgroups` when the init was
/// born in its cgroup v2 directory, after the runtime moved the container process otherwise), `resume` (the runtime's prestart and
/// createRuntime hooks succeeded).
/// Order: the init reads its spec from fd 3 (a socket; end of file ends it), then, with a new user namespace,
/// sends `userns` and waits for `mapped`; it creates the other namespaces, waits for `cgroups`, forks, reports
/// `pid` and exits; the container process waits for `go`, sets up (pausing at `hooks` for `resume`), reports
/// `ready`.
/// The start signal is one byte written to the FIFO passed on fd 5; `execve` closes every init descriptor
/// (all are close-on-exec), so end of file on fd 4 after `ready` means the user process is running.
/// With startContainer hooks the init also holds the read end of a pipe at fd 7 (`hookReportFD`), made before
/// `ready`; `start` opens `/proc/<pid>/fd/7` before it signals the FIFO and reads the `hook …` and `error …`
/// lines of the startContainer hooks from it until end of file (the write end is close-on-exec).
public enum SyncProtocol {
  /// The `InitSpec` in its binary form (`InitSpecWire`), on a socket the runtime closes after it.
  public static let specFD: Int32 = 3
  /// The sync socket.
  public static let syncFD: Int32 = 4
  /// The start FIFO, opened read-write by the runtime so the init's read blocks until `start` writes.
  public static let startFD: Int32 = 5
  /// The connected console socket (`--console-socket`), only with `InitSpec.terminal`.
  public static let consoleFD: Int32 = 6
  /// The read end of the startContainer hooks' report pipe (only with startContainer hooks).
  public static let hookReportFD: Int32 = 7

  /// One message from the runtime to the init (the line is the raw value).
  public enum Command: String, Sendable, CaseIterable {
    /// uid_map and gid_map are written.
    case mapped
    /// Every cgroup limit is written; the cgroup v1 `tasks` files come attached.
    case cgroups
    /// The container process may proceed: it is in its cgroups.
    case go
    /// The runtime's prestart and createRuntime hooks succeeded.
    case resume

    /// The bytes sent on the socket: the command and a newline.
    public var wire: [UInt8] { Array((rawValue + "\n").utf8) }
  }

  /// One parsed message from the init.
  public enum Message: Equatable, Sendable {
    case userns
    case pid(Int32)
    case ready
    case clamped(name: String, requestedSoft: UInt64, requestedHard: UInt64, soft: UInt64, hard: UInt64)
    case error(step: String, text: String)
    case hooks
    case hook(HookReport)
    case unknown(String)

    /// Parses one line.
    public init(line: String) {
      let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
      let tag = parts.first.map(String.init) ?? ""
      let rest = parts.count > 1 ? String(parts[1]) : ""
      switch tag {
      case "pid":
        if let p = Int32(rest) { self = .pid(p) } else { self = .unknown(line) }
      case "ready": self = .ready
      case "userns": self = .userns
      case "hooks": self = .hooks
      case "hook":
        if let report = HookReport(wire: rest) { self = .hook(report) } else { self = .unknown(line) }
      case "clamped":
        let f = rest.split(separator: " ").map(String.init)
        if f.count == 5, let a = UInt64(f[1]), let b = UInt64(f[2]), let c = UInt64(f[3]), let d = UInt64(f[4]) {
          self = .clamped(name: f[0], requestedSoft: a, requestedHard: b, soft: c, hard: d)
        } else {
          self = .unknown(line)
        }
      case "error":
        if let colon = rest.firstIndex(of: ":") {
          self = .error(
            step: String(rest[..<colon]),
            text: String(rest[rest.index(after: colon)...]).trimmingPrefixSpace())
        } else {
          self = .error(step: "init", text: rest)
        }
      default: self = .unknown(line)
      }
    }

    /// The line form (without newline).
    public var line: String {
      switch self {
      case .pid(let p): return "pid \(p)"
      case .ready: return "ready"
      case .userns: return "userns"
      case .clamped(let n, let a, let b, let c, let d): return "clamped \(n) \(a) \(b) \(c) \(d)"
      case .error(let step, let text): return "error \(step): \(text)"
      case .hooks: return "hooks"
      case .hook(let report): return "hook \(report.wire)"
      case .unknown(let l): return l
      }
    }
  }
}

extension String {
  fileprivate func trimmingPrefixSpace() -> String {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    return String(s)
  }
}
