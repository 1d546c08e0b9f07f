#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel

/// `supervisor-state.json`: the supervisor loop's state that neither record.json nor status.json holds, written
/// before the `execve` of garrison-keeper and read when the keeper execs the supervisor back (`--resume`). Times
/// are seconds since the epoch (no rounding through a text format). Only written at a quiescent point, so there
/// is nothing in flight to describe (no held audit events, no container prepared or created ahead, no probe
/// running).
struct SupervisorState: Codable, Equatable {
  /// A running container: its pid, when it started, and the descriptors its output crosses the exec on.
  struct RunningContainer: Codable, Equatable {
    var name: String
    var pid: Int32
    var startedAt: Double
    var log: Int32
    var stdout: Int32
    var stderr: Int32
  }

  var status: PodStatus
  var running: [RunningContainer]
  var notBefore: [String: Double]
  var backoffCount: [String: Int]
  var started: [String]
  var noted: [String]
  var containerRun: [String: Int]
  var sandbox: ProcessRef?
  var volumeSources: [String: String]
  var wake: Int32?
  var kmsg: Int32?
  /// The probe decisions of running containers with probes (none in flight).
  var probing: [String: ProbeScheduler.Snapshot]?

  /// The state file at `path` (nil if there is none): `SupervisorStateReader`, else `JSONDecoder` (which names
  /// what is wrong with a file the reader is not sure about).
  static func read(_ path: String) throws -> SupervisorState? {
    if let bytes = try? FileIO.read(path), let state = SupervisorStateReader.read(bytes) { return state }
    return try JSONFile.read(SupervisorState.self, from: path)
  }
}

/// What garrison-keeper passes back to the supervisor on its command line (`SupervisorMain`): the children it
/// reaped (raw wait statuses), each log's pipes and unfinished lines, and whether a stop was requested.
public struct KeeperReturn: Sendable {
  /// A `--log OUT,ERR,LOG,OUTHEX,ERRHEX` argument: the pipes still open (-1: at EOF) and the bytes of each
  /// stream's unfinished line.
  public struct Log: Sendable {
    public var stdout: Int32
    public var stderr: Int32
    public var log: Int32
    public var stdoutPending: [UInt8]
    public var stderrPending: [UInt8]
  }

  public var exits: [(pid: Int32, status: Int32)] = []
  public var logs: [Log] = []
  public var terminate = false
  public var kmsg: Int32?
  /// Pids of seccomp records the keeper found to be live processes outside this pod (`--seccomp-foreign`): by
  /// the time the supervisor reads those records at its own position the processes may be gone, and they are
  /// still not this pod's.
  public var foreignPids: [Int32] = []

  public init() {}

  /// Parses `PID,PID,…` (at most 256 positive pids).
  static func pids(_ text: String) -> [Int32]? {
    let f = text.split(separator: ",", omittingEmptySubsequences: false)
    guard f.count <= 256 else { return nil }
    var out: [Int32] = []
    for p in f {
      guard let pid = Int32(p), pid > 0 else { return nil }
      out.append(pid)
    }
    return out
  }

  /// Parses `PID:STATUS`.
  static func exit(_ text: String) -> (pid: Int32, status: Int32)? {
    let f = text.split(separator: ":", omittingEmptySubsequences: false)
    guard f.count == 2, let pid = Int32(f[0]), pid > 0, let status = Int32(f[1]) else { return nil }
    return (pid, status)
  }

  /// Parses `OUT,ERR,LOG,OUTHEX,ERRHEX` (descriptors above stderr, -1 for a closed pipe; `-` for no bytes).
  static func log(_ text: String) -> Log? {
    let f = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard f.count == 5, let out = Int32(f[0]), let err = Int32(f[1]), let log = Int32(f[2]), log > 2,
      out == -1 || out > 2, err == -1 || err > 2, let o = hex(f[3]), let e = hex(f[4])
    else { return nil }
    return Log(stdout: out, stderr: err, log: log, stdoutPending: o, stderrPending: e)
  }

  static func hex(_ text: String) -> [UInt8]? {
    if text == "-" { return [] }
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0, digits.count <= 1 << 17 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var i = 0
    while i < digits.count {
      guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
      out.append(hi << 4 | lo)
      i += 2
    }
    return out
  }

  static func nibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    default: return nil
    }
  }

  /// Hex for the keeper's `--log` argument (`-` for none).
  static func hex(_ bytes: [UInt8]) -> String {
    if bytes.isEmpty { return "-" }
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
