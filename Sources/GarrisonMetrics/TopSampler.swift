#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import GarrisonKernel
import GarrisonPods

/// One row of `garrison top pods`: CPU in cores over the sampling window and the memory working set in bytes, for a
/// pod (summed over its running containers) or for one container.
public struct TopRow: Sendable, Equatable {
  public var namespace: String
  public var pod: String
  /// nil for a pod row.
  public var container: String?
  public var cpuCores: Double
  public var memoryBytes: UInt64
}

/// What `top` measures: two cgroup readings `window` apart (CPU is a rate; memory is the second reading's working
/// set), as metrics-server does over its window, and the node's `/proc/stat` and `/proc/meminfo` likewise.
public enum TopSampler {
  /// Per container (`containers`) or per pod usage of `views`' running containers.
  public static func pods(_ views: [PodView], window: Duration, containers: Bool) throws -> [TopRow] {
    let reader = try ContainerReadings()
    let first = reader.read(views)
    if let e = first.errors.first { throw e }
    try sleep(window)
    let second = reader.read(views)
    if let e = second.errors.first { throw e }
    var before: [String: ContainerReading] = [:]
    for r in first.readings { before[r.cgroupPath] = r }
    var rows: [TopRow] = []
    for r in second.readings {
      let cpu = before[r.cgroupPath].flatMap { cpuCores(from: $0, to: r) } ?? 0
      let mem = r.stats.memoryWorkingSetBytes ?? r.stats.memoryUsageBytes ?? 0
      if containers {
        rows.append(TopRow(namespace: r.namespace, pod: r.pod, container: r.container, cpuCores: cpu, memoryBytes: mem))
      } else if let i = rows.firstIndex(where: { $0.namespace == r.namespace && $0.pod == r.pod }) {
        rows[i].cpuCores += cpu
        rows[i].memoryBytes += mem
      } else {
        rows.append(TopRow(namespace: r.namespace, pod: r.pod, container: nil, cpuCores: cpu, memoryBytes: mem))
      }
    }
    return rows
  }

  /// The node's CPU in cores over `window` and its memory working set in bytes.
  public static func node(window: Duration) throws -> (cpuCores: Double, memoryBytes: UInt64) {
    do throws(Errno) {
      let a = try ProcCounters.cpuTicks()
      try sleep(window)
      let b = try ProcCounters.cpuTicks()
      let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
      let busy = Double(b.busy &- a.busy) / Double(ProcCounters.ticksPerSecond)
      let memory = ProcCounters.nodeWorkingSet(try ProcCounters.memInfo())
      return (seconds > 0 ? busy / seconds : 0, memory)
    } catch {
      throw GarrisonError(.system, operation: "read /proc/stat", "cannot read the node's counters: \(error)")
    }
  }

  static func sleep(_ d: Duration) throws(Errno) {
    var ts = timespec(tv_sec: Int(d.components.seconds), tv_nsec: Int(d.components.attoseconds / 1_000_000_000))
    var left = timespec()
    while nanosleep(&ts, &left) != 0 {
      if errno != EINTR { throw Errno.current }
      ts = left
    }
  }
}
