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
/// process's cgroup (`/garrison/<pod uid>/<container>`), so a process that has already exited is counted as
/// unattributed rather than guessed.
final class SeccompDenialMonitor {
  private let reader: KmsgReader
  private var aggregator: SeccompDenialAggregator
  private let cgroupParent: String
  private let object: (String) -> AuditObject

  /// Opens /dev/kmsg at its end; throws when the kernel log cannot be read.
  init(cgroupParent: String, window: Int64 = 10, object: @escaping (String) -> AuditObject) throws {
    reader = try KmsgReader(fromEnd: true)
    aggregator = SeccompDenialAggregator(window: window)
    self.cgroupParent = cgroupParent
    self.object = object
  }

  /// Takes the kernel log descriptor a handover passed (its read position kept: no record read twice or missed).
  init(adopting fd: Int32, cgroupParent: String, window: Int64 = 10, object: @escaping (String) -> AuditObject) {
    reader = KmsgReader(adopting: fd)
    aggregator = SeccompDenialAggregator(window: window)
    self.cgroupParent = cgroupParent
    self.object = object
  }

  /// The kernel log descriptor (passed across the handover).
  var descriptor: Int32 { reader.descriptor }

  /// Whether no record waits for its window to close.
  var isIdle: Bool { aggregator.isEmpty }

  /// Reads what the kernel logged since the last call; returns the events whose window has closed
  /// (all pending ones when `force`).
  func poll(force: Bool = false) throws -> [AuditEvent] {
    for line in try reader.readAvailable() {
      guard let record = try SeccompAuditParser.parse(line) else { continue }
      aggregator.add(record) { pid in self.container(of: pid).map(self.object) }
    }
    return aggregator.flush(force: force)
  }

  /// The container a live pid belongs to, from `/proc/<pid>/cgroup`.
  func container(of pid: Int32) -> String? {
    guard let text = try? FileIO.readText("/proc/\(pid)/cgroup") else { return nil }
    let prefix = cgroupParent + "/"
    for line in text.split(separator: "\n") {
      guard let path = line.split(separator: ":", maxSplits: 2).last, let r = path.firstRange(of: prefix) else { continue }
      let rest = path[r.upperBound...]
      if let name = rest.split(separator: "/").first { return String(name) }
    }
    return nil
  }
}
