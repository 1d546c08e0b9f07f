#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonAudit
import GarrisonCore
import GarrisonKernel

/// Turns the kernel's seccomp records (type 1326 in /dev/kmsg, logged because plans install their filters with
/// SECCOMP_FILTER_FLAG_LOG) into rate-limited `seccomp.denied` events for this pod's containers. The filter is
/// never weakened: the kernel only reports what it already denied. A record is attributed through the denied
/// process's cgroup (`/garrison/<pod uid>/<container>`): a live process elsewhere (another pod's: its own
/// supervisor audits it) is skipped, and a process that has already exited is counted as unattributed rather
/// than guessed, by the one supervisor that claims the record (`SeccompRecordClaims`).
final class SeccompDenialMonitor {
  private let reader: KmsgReader
  private var aggregator: SeccompDenialAggregator
  private let cgroupParent: String
  /// Pids garrison-keeper saw as live processes outside this pod when it read their records (gone by now,
  /// perhaps, but still not this pod's).
  var foreign: Set<Int32> = []
  private let object: (String) -> AuditObject
  /// Who writes a record of a process already gone (nil: this supervisor writes every one).
  private let claims: SeccompRecordClaims?

  /// Opens /dev/kmsg at its end; throws when the kernel log cannot be read.
  convenience init(
    cgroupParent: String, claims: SeccompRecordClaims?, window: Int64 = 10, object: @escaping (String) -> AuditObject
  ) throws {
    self.init(reader: try KmsgReader(fromEnd: true), cgroupParent: cgroupParent, claims: claims, window: window, object: object)
  }

  /// Takes the kernel log descriptor a handover passed (its read position kept: no record read twice or missed).
  convenience init(
    adopting fd: Int32, cgroupParent: String, claims: SeccompRecordClaims?, window: Int64 = 10,
    object: @escaping (String) -> AuditObject
  ) {
    self.init(reader: KmsgReader(adopting: fd), cgroupParent: cgroupParent, claims: claims, window: window, object: object)
  }

  init(
    reader: KmsgReader, cgroupParent: String, claims: SeccompRecordClaims?, window: Int64,
    object: @escaping (String) -> AuditObject
  ) {
    self.reader = reader
    aggregator = SeccompDenialAggregator(window: window)
    self.cgroupParent = cgroupParent
    self.claims = claims
    self.object = object
  }

  /// This boot's claims directory, for garrison-keeper (nil: no claims).
  var claimsPath: String? { claims?.path }

  /// The kernel log descriptor (passed across the handover).
  var descriptor: Int32 { reader.descriptor }

  /// Whether no record waits for its window to close.
  var isIdle: Bool { aggregator.isEmpty }

  /// Reads what the kernel logged since the last call; returns the events whose window has closed
  /// (all pending ones when `force`).
  /// Records of live processes outside this pod (another pod's, the host's) are not this pod's to audit and are
  /// skipped; those of processes already gone are kept, unattributed, by the supervisor that claims them.
  func poll(force: Bool = false) throws -> [AuditEvent] {
    try take(reader.readAvailable())
    return aggregator.flush(force: force)
  }

  /// Adds the seccomp records among `lines` (kernel log lines) that are this pod's to audit.
  func take(_ lines: [String]) throws {
    for line in lines {
      guard let record = try SeccompAuditParser.parse(line) else { continue }
      let owner = Self.owner(of: record.pid, cgroupParent: cgroupParent)
      if owner == .elsewhere { continue }
      if owner == .gone {
        if foreign.contains(record.pid) { continue }
        if let claims, let sequence = KmsgReader.sequence(of: line), !claims.claim(sequence) { continue }
      }
      aggregator.add(record) { _ in
        if case .container(let name) = owner { return self.object(name) }
        return nil
      }
    }
  }

  /// The events whose window has closed (all pending ones when `force`).
  func flush(force: Bool = false) -> [AuditEvent] { aggregator.flush(force: force) }

  /// Whose process a seccomp record names.
  enum Owner: Equatable {
    /// A live process of this pod's container (the name).
    case container(String)
    /// A live process in another cgroup: another pod's, or the host's.
    case elsewhere
    /// The process is gone: the record cannot be attributed.
    case gone
  }

  /// Whose `pid` is, from `/proc/<pid>/cgroup`: a container of the pod whose cgroups are under `cgroupParent`
  /// (`/garrison/<pod uid>`), another cgroup, or gone.
  static func owner(of pid: Int32, cgroupParent: String) -> Owner {
    guard let text = try? FileIO.readText("/proc/\(pid)/cgroup") else { return .gone }
    let prefix = cgroupParent + "/"
    for line in text.split(separator: "\n") {
      guard let path = line.split(separator: ":", maxSplits: 2).last, let r = path.firstRange(of: prefix) else { continue }
      let rest = path[r.upperBound...]
      if let name = rest.split(separator: "/").first { return .container(String(name)) }
    }
    return .elsewhere
  }
}
