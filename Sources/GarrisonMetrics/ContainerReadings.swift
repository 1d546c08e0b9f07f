import GarrisonCgroups
import GarrisonCore
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

/// Reads the cgroup counters of every container of some pods: one `CgroupStats` read per container (each control
/// file once), no process spawned. The cgroup layout (mountinfo) is detected once, when the reader is made.
public final class ContainerReadings: Sendable {
  let manager: CgroupManager

  public init() throws { manager = try CgroupManager.detect() }

  /// Readings for the containers of `views` whose cgroup exists now (a container that is not running has none).
  /// A cgroup that disappears while it is read is skipped; other failures are returned in `errors`.
  public func read(_ views: [PodView]) -> (readings: [ContainerReading], errors: [GarrisonError]) {
    var out: [ContainerReading] = []
    var errors: [GarrisonError] = []
    let clock = ContinuousClock()
    let origin = Self.origin
    for v in views {
      for c in v.record.containers {
        guard let path = c.spec.linux?.cgroupsPath, !path.isEmpty else { continue }
        do {
          let cgroup = try manager.open(path: path)
          let stats = try cgroup.stats()
          let t = clock.now - origin
          out.append(ContainerReading(
            namespace: v.record.namespace, pod: v.record.name, container: c.name, image: c.image, cgroupPath: path,
            runtimeID: v.record.runtimeID(c.name), stats: stats,
            time: Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18))
        } catch let e as GarrisonError where e.code == .notFound {
          continue
        } catch let e as GarrisonError {
          errors.append(e)
        } catch {
          errors.append(GarrisonError(.system, operation: "read cgroup", "\(path): \(error)"))
        }
      }
    }
    return (out, errors)
  }

  static let origin = ContinuousClock().now
}

/// CPU in cores between two readings of the same container (Δ usage / Δ time).
public func cpuCores(from a: ContainerReading, to b: ContainerReading) -> Double? {
  guard let u0 = a.stats.cpuUsageMicroseconds, let u1 = b.stats.cpuUsageMicroseconds, b.time > a.time, u1 >= u0 else { return nil }
  return Double(u1 - u0) / 1e6 / (b.time - a.time)
}
