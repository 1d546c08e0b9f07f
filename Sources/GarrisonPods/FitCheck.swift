import Foundation
import GarrisonCore
import GarrisonManifest

/// The scheduler's resource fit check on this one node: allocatable CPU is `nproc × 1000m`, memory is
/// `MemTotal`; pods that are not finished count with their requests.
public struct FitCheck: Sendable {
  public var allocatableMilliCPU: Int64
  public var allocatableMemory: Int64

  public init(allocatableMilliCPU: Int64, allocatableMemory: Int64) {
    self.allocatableMilliCPU = allocatableMilliCPU
    self.allocatableMemory = allocatableMemory
  }

  /// This host's allocatable resources.
  public static func host() throws -> FitCheck {
    let cpus = Int64(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
      let kb = Int64(line.split(separator: " ")[1])
    else {
      throw GarrisonError(.system, operation: "read /proc/meminfo", "cannot read MemTotal")
    }
    return FitCheck(allocatableMilliCPU: cpus * 1000, allocatableMemory: kb * 1024)
  }

  /// A pod's effective requests (Kubernetes: the larger of the app containers plus sidecars, and the
  /// largest init container plus the sidecars started before it). Requests default to limits.
  public static func requests(_ spec: PodSpec) -> PodRequests {
    func req(_ c: Container, _ r: String) -> Int64 {
      let q = c.resources.requests[r] ?? c.resources.limits[r]
      return r == "cpu" ? (q?.milliValue ?? 0) : (q?.value ?? 0)
    }
    func total(_ r: String) -> Int64 {
      var sidecars: Int64 = 0
      var initMax: Int64 = 0
      for c in spec.initContainers {
        if c.restartPolicy == "Always" {
          sidecars = add(sidecars, req(c, r))
          initMax = max(initMax, sidecars)
        } else {
          initMax = max(initMax, add(sidecars, req(c, r)))
        }
      }
      let apps = add(spec.containers.reduce(Int64(0)) { add($0, req($1, r)) }, sidecars)
      return max(apps, initMax)
    }
    return PodRequests(cpuMillis: total("cpu"), memoryBytes: total("memory"))
  }

  /// `a + b`, saturating at the `Int64` bounds: requests near 2^63 (which a quantity may be) must not trap.
  static func add(_ a: Int64, _ b: Int64) -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? Int64.max : Int64.min) : sum
  }

  /// Refuses (`refused`, exit 3) when `pod` does not fit beside `others`.
  public func check(_ pod: PodRequests, name: String, others: [PodRequests]) throws {
    let usedCPU = others.reduce(Int64(0)) { Self.add($0, $1.cpuMillis) }
    let usedMem = others.reduce(Int64(0)) { Self.add($0, $1.memoryBytes) }
    var problems: [String] = []
    if pod.cpuMillis > allocatableMilliCPU - usedCPU {
      problems.append(
        "Insufficient cpu: requests \(pod.cpuMillis)m, \(max(0, allocatableMilliCPU - usedCPU))m of \(allocatableMilliCPU)m left")
    }
    if pod.memoryBytes > allocatableMemory - usedMem {
      problems.append(
        "Insufficient memory: requests \(pod.memoryBytes) bytes, \(max(0, allocatableMemory - usedMem)) of \(allocatableMemory) left")
    }
    if !problems.isEmpty {
      throw GarrisonError(
        .refused, operation: "fit check", "pod \(name) does not fit on this host: " + problems.joined(separator: "; "),
        field: FieldPath("spec.containers[*].resources.requests"))
    }
  }
}
