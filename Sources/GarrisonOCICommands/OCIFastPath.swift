import ArgumentParser
import GarrisonCore
import Glibc

/// The runc command lines containerd's shim and conmon issue for every container (`create`, `start`, `state`,
/// `kill`, `delete`, and `run`), recognised without ArgumentParser, whose reflection-driven parse costs about
/// 3 ms of start-up per invocation. Only argument vectors made entirely of the exact forms below are taken;
/// anything else (help, unknown or repeated flags, `--`, missing values, other verbs) returns nil and goes
/// through ArgumentParser unchanged. Both paths produce the same `OCIVerbCall` and run the same code; this one
/// never builds ArgumentParser's commands (their property wrappers cost about a millisecond per start).
enum OCIFastPath {
  /// The command for `arguments` (without the program name), or nil when ArgumentParser must parse them.
  static func command(_ arguments: [String]) -> OCIVerbCall? {
    var tokens = Tokens(arguments)
    var global = GlobalValues()
    while true {
      switch global.consumeOne(&tokens) {
      case .consumed: continue
      case .malformed: return nil
      case .notGlobal: break
      }
      break
    }
    guard let verb = tokens.next(), let spec = Self.verb(verb) else { return nil }
    var flags: Set<String> = []
    var values: [String: String] = [:]
    var positional: [String] = []
    while let token = tokens.peek() {
      switch global.consumeOne(&tokens) {
      case .consumed: continue
      case .malformed: return nil
      case .notGlobal: break
      }
      _ = tokens.next()
      if token == "--" || token == "-" { return nil }
      if token.hasPrefix("-") {
        let (name, inline) = split(token)
        guard let canonical = spec.names[name] else { return nil }
        if spec.valued.contains(canonical) {
          guard let value = inline ?? tokens.next(), values[canonical] == nil else { return nil }
          values[canonical] = value
        } else {
          guard inline == nil, !flags.contains(canonical) else { return nil }
          flags.insert(canonical)
        }
      } else {
        positional.append(token)
      }
    }
    guard spec.positionals.contains(positional.count) else { return nil }
    return spec.make(global.values(), flags, values, positional)
  }

  /// `--name=value` → ("--name", "value"); `-x` and `--name` → (token, nil).
  private static func split(_ token: String) -> (String, String?) {
    guard token.hasPrefix("--"), let eq = token.firstIndex(of: "=") else { return (token, nil) }
    return (String(token[..<eq]), String(token[token.index(after: eq)...]))
  }

  /// What one verb accepts.
  struct Verb: Sendable {
    var names: [String: String]  // spelling → canonical name
    var valued: Set<String>
    var positionals: ClosedRange<Int>
    var make: @Sendable (OCIGlobals, Set<String>, [String: String], [String]) -> OCIVerbCall?
  }

  private static let createNames: [String: String] = [
    "--bundle": "bundle", "-b": "bundle", "--pid-file": "pid-file", "--console-socket": "console-socket",
    "--no-pivot": "no-pivot", "--no-new-keyring": "no-new-keyring", "--preserve-fds": "preserve-fds",
  ]
  private static let createValued: Set<String> = ["bundle", "pid-file", "console-socket", "preserve-fds"]

  /// The verbs taken, by name (a switch: a static dictionary of closures cost more to build at start-up than
  /// the whole parse).
  private static func verb(_ name: String) -> Verb? {
    switch name {
    case "create":
      return Verb(names: createNames, valued: createValued, positionals: 1...1) { g, f, v, p in
        guard let c = create(f, v) else { return nil }
        return .create(g, id: p[0], c)
      }
    case "run":
      var names = createNames
      names["--detach"] = "detach"
      names["-d"] = "detach"
      return Verb(names: names, valued: createValued, positionals: 1...1) { g, f, v, p in
        guard let c = create(f, v) else { return nil }
        return .run(g, id: p[0], c, detach: f.contains("detach"))
      }
    case "start": return Verb(names: [:], valued: [], positionals: 1...1) { g, _, _, p in .start(g, id: p[0]) }
    case "state": return Verb(names: [:], valued: [], positionals: 1...1) { g, _, _, p in .state(g, id: p[0]) }
    case "kill":
      return Verb(names: ["--all": "all", "-a": "all"], valued: [], positionals: 1...2) { g, f, _, p in
        .kill(g, id: p[0], signal: p.count > 1 ? p[1] : "SIGTERM", all: f.contains("all"))
      }
    case "delete":
      return Verb(names: ["--force": "force", "-f": "force"], valued: [], positionals: 1...1) { g, f, _, p in
        .delete(g, id: p[0], force: f.contains("force"))
      }
    default: return nil
    }
  }

  private static func create(_ flags: Set<String>, _ values: [String: String]) -> OCIVerbCall.Create? {
    guard let compat = compat(flags, values) else { return nil }
    return OCIVerbCall.Create(
      bundle: values["bundle"] ?? ".", pidFile: values["pid-file"],
      consoleSocket: values["console-socket"], noPivot: flags.contains("no-pivot"),
      compat: compat)
  }

  private static func compat(_ flags: Set<String>, _ values: [String: String]) -> OCIClientCompat? {
    var o = OCIClientCompat()
    o.noNewKeyring = flags.contains("no-new-keyring")
    if let text = values["preserve-fds"] {
      guard let n = Int(text) else { return nil }  // ArgumentParser reports the malformed number
      o.preserveFDs = n
    } else {
      o.preserveFDs = 0
    }
    return o
  }

  /// The global options (`--root`, `--log`, `--log-format`, `--debug`, `--systemd-cgroup`), before or after
  /// the verb as runc allows; each at most once.
  struct GlobalValues {
    var root: String?
    var log: String?
    var logFormat: String?
    var debug = false
    var systemdCgroup = false

    enum Outcome { case consumed, notGlobal, malformed }

    /// Consumes one global option at the front of `tokens`, if there is one.
    mutating func consumeOne(_ tokens: inout Tokens) -> Outcome {
      guard let token = tokens.peek(), token.hasPrefix("--") else { return .notGlobal }
      let (name, inline) = OCIFastPath.split(token)
      switch name {
      case "--root", "--log", "--log-format":
        _ = tokens.next()
        guard let value = inline ?? tokens.next() else { return .malformed }
        switch name {
        case "--root": if root != nil { return .malformed } else { root = value }
        case "--log": if log != nil { return .malformed } else { log = value }
        default: if logFormat != nil { return .malformed } else { logFormat = value }
        }
        return .consumed
      case "--debug", "--systemd-cgroup":
        _ = tokens.next()
        guard inline == nil else { return .malformed }
        if name == "--debug" { debug = true } else { systemdCgroup = true }
        return .consumed
      default:
        return .notGlobal
      }
    }

    func values() -> OCIGlobals {
      OCIGlobals(
        root: root ?? OCIGlobals.defaultRoot, log: log, logFormat: logFormat ?? "text", debug: debug,
        systemdCgroup: systemdCgroup)
    }
  }

  /// A cursor over the arguments.
  struct Tokens {
    private var items: [String]
    private var index = 0
    init(_ items: [String]) { self.items = items }
    func peek() -> String? { index < items.count ? items[index] : nil }
    mutating func next() -> String? {
      guard index < items.count else { return nil }
      defer { index += 1 }
      return items[index]
    }
  }
}

extension OCICommand {
  /// garrison-oci's entry point: `OCIFastPath` for the per-container verbs clients call, ArgumentParser for
  /// everything else (and for anything the fast path does not recognise exactly).
  public static func runtimeMain() -> Never {
    if let call = OCIFastPath.command(Array(CommandLine.arguments.dropFirst())) {
      do {
        try call.execute()
        fflush(nil)
        Glibc.exit(0)
      } catch let code as ExitCode {
        // The command has reported its error already; ArgumentParser's exit would build help text first.
        fflush(nil)
        Glibc.exit(code.rawValue)
      } catch {
        exit(withError: error)
      }
    }
    mainWithGarrisonExitCodes()
  }
}
