import GarrisonCgroups
import GarrisonMetrics
import GarrisonPods

/// `describe pod`'s resource lines per running container: current CPU (over a short window) and memory working set
/// against the container's requests and limits (`Usage: cpu 250m (request 100m, limit 500m), memory 12Mi (...)`).
enum DescribeUsage {
  /// Container name → one line; empty when no container is running or its cgroup cannot be read.
  static func lines(_ v: PodView, window: Duration = .milliseconds(250)) -> [String: String] {
    guard !v.status.phase.isTerminal, let rows = try? TopSampler.pods([v], window: window, containers: true) else { return [:] }
    var out: [String: String] = [:]
    for row in rows {
      guard let name = row.container else { continue }
      let res = v.record.containers.first { $0.name == name }?.resources
      func bound(_ request: String?, _ limit: String?) -> String {
        "(request \(request ?? "<none>"), limit \(limit ?? "<none>"))"
      }
      out[name] =
        "cpu \(ResourceFormat.millicores(row.cpuCores)) "
        + bound(res?.cpuRequestMillis.map { "\($0)m" }, res?.cpuLimitMillis.map { "\($0)m" })
        + ", memory \(ResourceFormat.mebibytes(row.memoryBytes)) "
        + bound(
          res?.memoryRequestBytes.map { ResourceFormat.mebibytes(UInt64(max(0, $0))) },
          res?.memoryLimitBytes.map { ResourceFormat.mebibytes(UInt64(max(0, $0))) })
    }
    return out
  }
}
