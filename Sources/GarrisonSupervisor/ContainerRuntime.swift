#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel
import GarrisonOCI

/// The OCI runtime operations the pod runner needs, as containerd's shim and conmon drive runc:
/// `run --detach` (or `create` + `start`; bundle, pid file), `state`, `kill`, `delete`.
public protocol ContainerRuntime: Sendable {
  /// Creates and starts the container from `bundle/config.json` in one runtime invocation (`run --detach`);
  /// returns its pid once the runtime reports it started (garrison-oci: after the attestation and its audit
  /// event). The container's stdout/stderr are `io`'s.
  func run(id: String, bundle: String, io: SpawnIO) throws -> Int32
  /// Creates the container from `bundle/config.json`; the container's stdout/stderr are `io`'s. Returns its pid.
  func create(id: String, bundle: String, io: SpawnIO) throws -> Int32
  /// Starts the user process of a created container.
  func start(id: String) throws
  /// The runtime's view of the container; nil if the runtime does not know it.
  func state(id: String) throws -> ContainerState?
  /// Sends `signal` to the container's init (with `all`, to every process in it).
  func kill(id: String, signal: Int32, all: Bool) throws
  /// Deletes the container (with `force`, kills it first).
  func delete(id: String, force: Bool) throws
}

/// A runc-compatible runtime binary (`garrison-oci`, `crun`, `runc`) driven by its command line:
/// `<runtime> --root <dir> --log <bundle>/runtime.log create --bundle B --pid-file F <id>`.
public struct OCIRuntimeBinary: ContainerRuntime {
  public let path: String
  public let root: String
  /// How exit statuses are collected (the supervisor's reaper, or `waitpid`).
  let waiter: @Sendable (pid_t) throws -> ExitStatus

  public init(path: String, root: String, waiter: @escaping @Sendable (pid_t) throws -> ExitStatus = { try Spawn.waitPID($0) }) {
    self.path = path
    self.root = root
    self.waiter = waiter
  }

  public func base(_ log: String? = nil) -> [String] {
    var argv = [path, "--root", root]
    if let log { argv += ["--log", log] }
    return argv
  }

  public func run(id: String, bundle: String, io: SpawnIO) throws -> Int32 {
    try launch(["run", "--detach"], id: id, bundle: bundle, io: io)
  }

  public func create(id: String, bundle: String, io: SpawnIO) throws -> Int32 {
    try launch(["create"], id: id, bundle: bundle, io: io)
  }

  /// `create` or `run --detach` with the bundle and a pid file; returns the container's pid.
  func launch(_ verb: [String], id: String, bundle: String, io: SpawnIO) throws -> Int32 {
    let pidFile = bundle + "/pid"
    let log = bundle + "/runtime.log"
    unlink(pidFile)
    unlink(log)
    let pid = try Spawn.start(base(log) + verb + ["--bundle", bundle, "--pid-file", pidFile, id], io: io)
    let status = try waiter(pid)
    guard status == .exited(0) else {
      let why = (try? FileIO.readText(log)) ?? ""
      throw GarrisonError(
        .system, operation: "\(PathName.lastComponent(path)) \(verb[0])",
        "cannot \(verb[0] == "run" ? "start" : "create") container \(id): \(status): \(Self.lastMessage(why))")
    }
    guard let text = try? FileIO.readText(pidFile),
      let cpid = Int32(text.trimmingWhitespace())
    else {
      throw GarrisonError(.system, operation: "read pid file", "runtime wrote no pid for \(id) in \(pidFile)")
    }
    return cpid
  }

  /// The `exec` command line: `<runtime> --root R exec [--tty] ID [--] COMMAND...`. crun and runc take everything
  /// after the id as the command (crun would run a `--`); garrison-oci drops a leading `--`.
  public func execArguments(id: String, command: [String], tty: Bool) -> [String] {
    let separator = PathName.lastComponent(path).hasPrefix("garrison-oci") ? ["--"] : []
    return base() + ["exec"] + (tty ? ["--tty"] : []) + [id] + separator + command
  }

  public func start(id: String) throws {
    try Spawn.check(base() + ["start", id], wait: waiter)
  }

  /// Whether the runtime keeps state for container `id`: runc, crun and garrison-oci each keep a container's
  /// state in the directory `<root>/<id>`, created by `create` and removed by `delete`. This, not the text of a
  /// runtime's error message, tells "no such container" apart from a failure. The id is one the pod runner
  /// made (`PodRecord.runtimeID`), never input.
  public func knows(id: String) -> Bool {
    var st = stat()
    return lstat(root + "/" + id, &st) == 0
  }

  public func state(id: String) throws -> ContainerState? {
    guard knows(id: id) else { return nil }
    let r = try Spawn.run(base() + ["state", id], wait: waiter)
    guard r.succeeded else {
      if !knows(id: id) { return nil }  // deleted meanwhile
      throw GarrisonError(.system, operation: "runtime state", "cannot read state of \(id): \(r.output)")
    }
    guard let start = r.output.firstIndex(of: "{") else { return nil }
    do {
      return try JSONDecoder().decode(ContainerState.self, from: Data(r.output[start...].utf8))
    } catch {
      throw GarrisonError(.system, operation: "runtime state", "unreadable state of \(id): \(error)")
    }
  }

  public func kill(id: String, signal: Int32, all: Bool) throws {
    guard knows(id: id) else { return }
    let r = try Spawn.run(base() + ["kill"] + (all ? ["--all"] : []) + [id, "\(signal)"], wait: waiter)
    // A container that is gone or already stopped cannot be signalled; that is what the caller wanted.
    if !r.succeeded, let state = try state(id: id), state.status != "stopped" {
      throw GarrisonError(.system, operation: "runtime kill", "cannot signal \(id): \(r.output)")
    }
  }

  public func delete(id: String, force: Bool) throws {
    guard knows(id: id) else { return }
    let r = try Spawn.run(base() + ["delete"] + (force ? ["--force"] : []) + [id], wait: waiter)
    if !r.succeeded && knows(id: id) {
      throw GarrisonError(.system, operation: "runtime delete", "cannot delete \(id): \(r.output)")
    }
  }

  /// The last line of a runtime log (crun writes JSON or plain lines).
  static func lastMessage(_ log: String) -> String {
    let line = log.split(separator: "\n").last.map(String.init) ?? ""
    if let msg = (try? JSONParser.parse(line))?["msg"]?.stringValue {
      return msg
    }
    return line
  }
}

/// Executables built beside the running one (`garrison-oci`, `garrison-supervisor`), found from `/proc/self/exe`.
public enum SiblingExecutable {
  /// `name` in the directory of the running executable (symlinks resolved by the kernel).
  public static func path(_ name: String) -> String {
    let exe = (try? Kernel.readlink("/proc/self/exe")) ?? "./garrison"
    return PathName.join(PathName.deletingLastComponent(exe), name)
  }
}

/// Finds the runtime binary: `--runtime PATH`, else `garrison-oci` beside the garrison executable, else `crun`.
public enum RuntimeLocator {
  public static func locate(_ option: String?) throws -> String {
    if let option, !option.isEmpty {
      guard access(option, X_OK) == 0 else {
        throw GarrisonError(.notFound, "runtime \(option) is not an executable file")
      }
      return option
    }
    // A garrison-oci built beside garrison is the runtime of the same build: used as found, with no `--help` run
    // to check it (that was 5 ms of every apply).
    let sibling = SiblingExecutable.path("garrison-oci")
    if access(sibling, X_OK) == 0 { return sibling }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
      let p = "\(dir)/crun"
      if access(p, X_OK) == 0 { return p }
    }
    throw GarrisonError(
      .notFound,
      "no OCI runtime: garrison-oci is not built beside \(PathName.deletingLastComponent(sibling)) and crun is not in PATH; pass --runtime PATH"
    )
  }
}
