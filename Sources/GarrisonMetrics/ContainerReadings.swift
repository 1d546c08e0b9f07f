import GarrisonCgroups
import GarrisonCore
import GarrisonKernel
import GarrisonPods

/// One container's cgroup counters at one instant, with the pod and container it belongs to.
public struct ContainerReading: Sendable {
  public var namespace: String
  public var pod: String
  public var container: String
  public var image: String
  /// The container's cgroup path (`/garrison/<pod uid>/<container>`): cAdvisor's `id` label.
  public var cgroupPath: String
  /// The OCI runtime's container id: cAdvisor's `name` label.
  public var runtimeID: String
  public var stats: CgroupStats
  /// Monotonic seconds when the counters were read (for rates).
  public var time: Double
}

/// Reads the cgroup counters of every container of some pods through ``CgroupStatsReader``s: each container's
/// hierarchy directories opened once per read and its control files read relative to them, limits cached while the
/// cgroup lives, no process spawned. With `workers` > 1 the containers are split between that many threads (the
/// caller's and `workers − 1` more, each with its own reader; a container always goes to the same one, so its cached
/// limits are found again). The cgroup layout (mountinfo) is detected once, when this is made.
/// Not thread-safe: the exporter serialises scrapes, `top` reads from one thread.
public final class ContainerReadings {
  let readers: [CgroupStatsReader]

  public init(workers: Int = 1) throws {
    let layout = try CgroupLayout.detect()
    readers = (0..<max(1, workers)).map { _ in
      let r = CgroupStatsReader(layout: layout)
      r.includePeak = false
      return r
    }
  }

  /// One container to read: its pod, its record and its cgroup path.
  struct Job {
    var view: PodView
    var container: ContainerRecord
    var path: String
  }

  /// What one worker read.
  final class Batch: @unchecked Sendable {
    var readings: [ContainerReading] = []
    var errors: [GarrisonError] = []
  }

  /// Readings for the containers of `views` whose cgroup exists now (a container that is not running has none), in
  /// pod and container order. A cgroup that disappears while it is read is skipped; other failures are returned in
  /// `errors`.
  public func read(_ views: [PodView]) -> (readings: [ContainerReading], errors: [GarrisonError]) {
    var jobs = [[Job]](repeating: [], count: readers.count)
    var order: [String: Int] = [:]
    for v in views {
      for c in v.record.containers {
        guard let path = c.spec.linux?.cgroupsPath, !path.isEmpty, order[path] == nil else { continue }
        order[path] = order.count
        jobs[readers.count == 1 ? 0 : Int(UInt(bitPattern: path.hashValue) % UInt(readers.count))].append(
          Job(view: v, container: c, path: path))
      }
    }
    let batches = readers.indices.map { _ in Batch() }
    let readers = self.readers, work = jobs
    let run = { (i: Int) in Self.run(work[i], reader: readers[i], into: batches[i]) }
    let threads = (1..<readers.count).compactMap { i in work[i].isEmpty ? nil : BackgroundJob { run(i) } }
    run(0)
    for t in threads { try? t.wait() }
    for (i, r) in readers.enumerated() { r.retain(only: Set(jobs[i].map(\.path))) }
    var readings = batches.flatMap(\.readings)
    if readers.count > 1 { readings.sort { order[$0.cgroupPath]! < order[$1.cgroupPath]! } }
    return (readings, batches.flatMap(\.errors))
  }

  static func run(_ jobs: [Job], reader: CgroupStatsReader, into batch: Batch) {
    let clock = ContinuousClock()
    let origin = Self.origin
    for job in jobs {
      let v = job.view, c = job.container, path = job.path
      do {
        let stats = try reader.read(path: path)
        let t = clock.now - origin
        batch.readings.append(
          ContainerReading(
            namespace: v.record.namespace, pod: v.record.name, container: c.name, image: c.image, cgroupPath: path,
            runtimeID: v.record.runtimeID(c.name), stats: stats,
            time: Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18))
      } catch let e as GarrisonError where e.code == .notFound {
        continue
      } catch let e as GarrisonError {
        batch.errors.append(e)
      } catch {
        batch.errors.append(GarrisonError(.system, operation: "read cgroup", "\(path): \(error)"))
      }
    }
  }

  static let origin = ContinuousClock().now
}

/// CPU in cores between two readings of the same container (Δ usage / Δ time).
public func cpuCores(from a: ContainerReading, to b: ContainerReading) -> Double? {
  guard let u0 = a.stats.cpuUsageMicroseconds, let u1 = b.stats.cpuUsageMicroseconds, b.time > a.time, u1 >= u0 else { return nil }
  return Double(u1 - u0) / 1e6 / (b.time - a.time)
}
