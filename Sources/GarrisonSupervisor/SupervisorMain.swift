import GarrisonAudit
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost
import GarrisonSeccomp
import Glibc

/// The supervisor's entry (`garrison-supervisor --root DIR --namespace NS --name POD [--wake-fd 3]`, and
/// `garrison supervise`): checks the names, reads the pod record `apply` wrote, and runs the pod until it ends or is
/// stopped.
public enum SupervisorMain {
  /// The executable's name; `apply` looks for it beside `garrison`.
  public static let executableName = "garrison-supervisor"
  /// The descriptor `apply` passes the sender end of its `WakeSocket` at (`--wake-fd 3`): the supervisor sends a
  /// byte after every status it writes, until apply's end is gone.
  public static let wakeFD: Int32 = 3
  static let usage = "usage: garrison-supervisor --root DIR --namespace NAMESPACE --name POD [--wake-fd FD]"

  /// The process entry: runs and exits with the supervisor's code (2 for a bad command line).
  public static func main() -> Never {
    Handover.current = Handover.beside()
    do {
      exit(try run(arguments: Array(CommandLine.arguments.dropFirst())))
    } catch let e as GarrisonError {
      StandardError.write("garrison-supervisor: error: \(e)\n")
      exit(e.exitCode)
    } catch {
      StandardError.write("garrison-supervisor: error: \(error)\n")
      exit(1)
    }
  }

  /// Parses `--root DIR --namespace NS --name POD` (each once, all required) and `--wake-fd FD` (optional: an
  /// inherited socket, taken close-on-exec; one that is not an open socket is ignored) and runs the pod.
  public static func run(arguments: [String]) throws -> Int32 {
    var values: [String: String] = [:]
    var back: KeeperReturn?
    var i = 0
    while i < arguments.count {
      let option = arguments[i]
      // garrison-keeper's return (`--resume`, then what it collected).
      if try resumeOption(option, arguments, &i, &back) { continue }
      guard ["--root", "--namespace", "--name", "--wake-fd"].contains(option), values[option] == nil, i + 1 < arguments.count
      else {
        throw GarrisonError(.usage, usage)
      }
      values[option] = arguments[i + 1]
      i += 2
    }
    guard let root = values["--root"], let namespace = values["--namespace"], let name = values["--name"] else {
      throw GarrisonError(.usage, usage)
    }
    var wake: Int32?
    if let text = values["--wake-fd"] {
      guard let fd = Int32(text), fd > 2 else { throw GarrisonError(.usage, "--wake-fd: not a descriptor above 2: \(text)") }
      wake = fd
    }
    return try run(root: root, namespace: namespace, name: name, wake: wake, resuming: back)
  }

  /// Runs pod `namespace/name` of state root `root`; returns the exit code. `wake`: an inherited socket to send a
  /// byte on after every status written (`WakeSocket`), taken close-on-exec; one that is not an open socket above
  /// stderr is ignored.
  /// `resuming`: what garrison-keeper passed back (the supervisor takes the pod back instead of starting it).
  public static func run(
    root: String, namespace: String, name: String, wake: Int32? = nil, resuming back: KeeperReturn? = nil
  ) throws -> Int32 {
    PhaseTrace.mark("supervisor main")
    try KubernetesNames.checkNamespaceArgument(namespace)
    try KubernetesNames.checkPodNameArgument(name)
    guard !root.isEmpty, !root.utf8.contains(0) else { throw GarrisonError(.usage, "--root: not a path") }
    let paths = PodPaths(root: root, namespace: namespace, name: name)
    guard let record = try readRecord(paths.record) else {
      throw GarrisonError(.notFound, "no pod record at \(paths.record)")
    }
    PhaseTrace.mark("record read")
    // The OCI runtime (garrison-oci) writes its read-back events into this pod's audit log.
    setenv("GARRISON_AUDIT_DIR", AuditPaths.directory(root: root), 1)
    // garrison-oci loads the seccomp programs `apply` compiled into this root's cache instead of compiling again.
    setenv("GARRISON_SECCOMP_CACHE", BPFCache.directory(root: root), 1)
    let supervisor = PodSupervisor(paths: paths, record: record, host: .current)
    supervisor.wake = wake.flatMap { WakeSocket.adopt($0) ? $0 : nil }
    if let back { return try supervisor.resume(keeper: back) }
    return supervisor.run()
  }

  /// One of garrison-keeper's arguments at `i` (advanced past it): `--resume`, `--terminate`, `--kmsg-fd FD`,
  /// `--exited PID:STATUS`, `--log OUT,ERR,LOG,OUTHEX,ERRHEX`, `--seccomp-foreign PID,…`; false for any other option. Each is checked: the
  /// keeper writes them, but a malformed one is refused rather than guessed.
  static func resumeOption(_ option: String, _ arguments: [String], _ i: inout Int, _ back: inout KeeperReturn?) throws -> Bool {
    switch option {
    case "--resume":
      guard back == nil else { throw GarrisonError(.usage, "--resume: twice") }
      back = KeeperReturn()
      i += 1
      return true
    case "--terminate":
      guard back != nil else { throw GarrisonError(.usage, "--terminate without --resume") }
      back?.terminate = true
      i += 1
      return true
    case "--kmsg-fd", "--exited", "--log", "--seccomp-foreign":
      guard back != nil, i + 1 < arguments.count else { throw GarrisonError(.usage, "\(option) without --resume") }
      let value = arguments[i + 1]
      i += 2
      if option == "--kmsg-fd" {
        guard let fd = Int32(value), fd > 2, Kernel.isOpen(fd) else { throw GarrisonError(.usage, "--kmsg-fd: not an open descriptor") }
        back?.kmsg = fd
      } else if option == "--seccomp-foreign" {
        guard let pids = KeeperReturn.pids(value) else { throw GarrisonError(.usage, "--seccomp-foreign: not PID,PID,…") }
        back?.foreignPids += pids
      } else if option == "--exited" {
        guard let e = KeeperReturn.exit(value) else { throw GarrisonError(.usage, "--exited: not PID:STATUS") }
        back?.exits.append(e)
      } else {
        guard let log = KeeperReturn.log(value), [log.stdout, log.stderr, log.log].allSatisfy({ $0 == -1 || Kernel.isOpen($0) })
        else { throw GarrisonError(.usage, "--log: not OUT,ERR,LOG,OUTHEX,ERRHEX with open descriptors") }
        back?.logs.append(log)
      }
      return true
    default:
      return false
    }
  }

  /// The pod record at `path` (nil if there is none): `PodRecordReader`, else `JSONDecoder` (which names what is
  /// wrong with a record the reader is not sure about).
  static func readRecord(_ path: String) throws -> PodRecord? {
    if let bytes = try? FileIO.read(path), let record = PodRecordReader.read(bytes) { return record }
    return try JSONFile.read(PodRecord.self, from: path)
  }
}
