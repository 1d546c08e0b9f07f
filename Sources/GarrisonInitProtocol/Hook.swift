import GarrisonCore
import GarrisonKernel

/// The six OCI hook kinds (runtime-spec config.md "POSIX-platform Hooks"), in the order the lifecycle runs them.
/// The raw value is the config.json key.
public enum HookKind: String, Sendable, CaseIterable, Hashable {
  case prestart, createRuntime, createContainer, startContainer, poststart, poststop

  /// Whether the runtime itself runs it (runtime namespace); the others run in the container's namespaces,
  /// started by garrison-init.
  public var runsInRuntimeNamespace: Bool { self != .createContainer && self != .startContainer }

  /// The config.json field naming hook `index`'s command: `hooks.createContainer[0].path`.
  public func pathField(_ index: Int) -> String { "hooks.\(rawValue)[\(index)].path" }
}

extension InitSpec {
  /// One hook command, validated by the runtime: `path` is absolute, `timeout` (seconds) is positive when set.
  public struct Hook: Equatable, Sendable {
    public var path: String
    /// `argv` exactly as given (`args[0]` is argv[0]); empty means `[path]`.
    public var args: [String]
    /// The environment; nil means the kind's default (see `HookKind` users and docs/garrison-oci.md).
    public var env: [String]?
    public var timeout: Int?
    public init(path: String, args: [String] = [], env: [String]? = nil, timeout: Int? = nil) {
      self.path = path
      self.args = args
      self.env = env
      self.timeout = timeout
    }

    /// The argv the hook is executed with.
    public var argv: [String] { args.isEmpty ? [path] : args }
  }

  /// The hooks garrison-init takes part in (create mode only): it pauses before the root switch for the
  /// runtime's prestart and createRuntime hooks, runs createContainer hooks there itself, and runs
  /// startContainer hooks after `start`, just before `execve`.
  public struct Hooks: Equatable, Sendable {
    /// prestart or createRuntime hooks exist: send `hooks` before the root switch and wait for `resume`.
    public var pauseForRuntime: Bool
    public var createContainer: [Hook]
    public var startContainer: [Hook]
    /// The container's identity for the state JSON on the hooks' stdin.
    public var state: HookState
    public init(
      pauseForRuntime: Bool = false, createContainer: [Hook] = [], startContainer: [Hook] = [],
      state: HookState
    ) {
      self.pauseForRuntime = pauseForRuntime
      self.createContainer = createContainer
      self.startContainer = startContainer
      self.state = state
    }
  }
}

/// The OCI state (runtime.md "State") a hook reads on its stdin, as canonical JSON (`JSONValue`): the same
/// writer for the runtime's hooks and the init's, so both sides hand hooks byte-identical documents.
public struct HookState: Equatable, Sendable {
  /// The runtime-spec version the state complies with (what `garrison-oci state` reports too).
  public static let ociVersion = RuntimeSpecVersion.implemented
  public var id: String
  /// Absolute path of the bundle on the host.
  public var bundle: String
  public var annotations: [String: String]
  public init(id: String, bundle: String, annotations: [String: String] = [:]) {
    self.id = id
    self.bundle = bundle
    self.annotations = annotations
  }

  /// The state document: `status` (`creating`, `created`, `running`, `stopped`) and `pid` as seen from where
  /// the hook runs (the host pid for runtime-namespace hooks, the container's own view for the others; no pid
  /// once the container is gone).
  public func json(status: String, pid: Int32?) -> [UInt8] {
    var o: [String: JSONValue] = [
      "ociVersion": .string(Self.ociVersion), "id": .string(id), "status": .string(status), "bundle": .string(bundle),
    ]
    if let pid { o["pid"] = .integer(pid) }
    if !annotations.isEmpty { o["annotations"] = .object(annotations.mapValues { .string($0) }) }
    return JSONValue.object(o).canonicalBytes
  }
}

/// How one hook run ended.
public enum HookResult: Equatable, Sendable {
  case exited(Int32)
  case signaled(Int32)
  /// Killed (with its process group) after `timeout` seconds.
  case timedOut(seconds: Int)
  /// `posix_spawn` failed (the errno, e.g. ENOENT for a missing path).
  case spawnFailed(Int32)
  /// `waitpid` failed (ECHILD when the runtime was started with SIGCHLD ignored): the outcome is unknown, which
  /// counts as a failure.
  case waitFailed(Int32)

  public var succeeded: Bool { self == .exited(0) }

  /// "exited with status 3", "was killed by signal 9", "timed out after 5 s", "could not be started: ENOENT …".
  public var description: String {
    switch self {
    case .exited(let code): return "exited with status \(code)"
    case .signaled(let sig): return "was killed by signal \(sig)"
    case .timedOut(let s): return "timed out after \(s) s (killed)"
    case .spawnFailed(let e): return "could not be started: \(Errno(rawValue: e).description)"
    case .waitFailed(let e): return "could not be waited for: \(Errno(rawValue: e).description)"
    }
  }
}

/// One finished hook run, as the init reports it to the runtime (`hook …` on the sync socket or the report pipe)
/// and as the runtime audits it. The path is not carried: the runtime knows it from the kind and index.
public struct HookReport: Equatable, Sendable {
  public var kind: HookKind
  public var index: Int
  public var result: HookResult
  public var durationMicroseconds: UInt64
  public init(kind: HookKind, index: Int, result: HookResult, durationMicroseconds: UInt64) {
    self.kind = kind
    self.index = index
    self.result = result
    self.durationMicroseconds = durationMicroseconds
  }

  /// The config.json field naming the hook's command: `hooks.createContainer[0].path`.
  public var field: String { kind.pathField(index) }

  /// `<kind> <index> <exit|signal|timeout|spawn|wait> <number> <µs>` (after the `hook ` tag).
  var wire: String {
    let (word, number): (String, Int64) = {
      switch result {
      case .exited(let c): return ("exit", Int64(c))
      case .signaled(let s): return ("signal", Int64(s))
      case .timedOut(let s): return ("timeout", Int64(s))
      case .spawnFailed(let e): return ("spawn", Int64(e))
      case .waitFailed(let e): return ("wait", Int64(e))
      }
    }()
    return "\(kind.rawValue) \(index) \(word) \(number) \(durationMicroseconds)"
  }

  init?(wire: String) {
    let f = wire.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    guard f.count == 5, let kind = HookKind(rawValue: f[0]), let index = Int(f[1]), index >= 0,
      let number = Int32(f[3]), let micros = UInt64(f[4])
    else { return nil }
    switch f[2] {
    case "exit": result = .exited(number)
    case "signal": result = .signaled(number)
    case "timeout": result = .timedOut(seconds: Int(number))
    case "spawn": result = .spawnFailed(number)
    case "wait": result = .waitFailed(number)
    default: return nil
    }
    self.kind = kind
    self.index = index
    self.durationMicroseconds = micros
  }
}
