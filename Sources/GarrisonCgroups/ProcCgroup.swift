#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore

/// One line of `/proc/<pid>/cgroup`: `hierarchy-id:controller-list:path` (see cgroups(7)).
/// The cgroup v2 line is `0::/path`.
public struct CgroupMembership: Sendable, Hashable {
  /// The hierarchy id (0 for the unified cgroup v2 hierarchy).
  public var hierarchyID: Int
  /// Controllers bound to the hierarchy (`["cpu", "cpuacct"]`), named hierarchies as `name=systemd`;
  /// empty for cgroup v2.
  public var controllers: [String]
  /// The cgroup path relative to the hierarchy root of the reader's cgroup namespace.
  public var path: String

  public init(hierarchyID: Int, controllers: [String], path: String) {
    self.hierarchyID = hierarchyID
    self.controllers = controllers
    self.path = path
  }

  /// Whether this is the line of the unified (cgroup v2) hierarchy.
  public var isUnified: Bool { hierarchyID == 0 && controllers.isEmpty }

  /// Parses the text of `/proc/<pid>/cgroup`. A malformed line is an error.
  public static func parse(_ text: String) throws -> [CgroupMembership] {
    var result: [CgroupMembership] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      // The path may itself contain ':', so split at most twice.
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3, let id = Int(parts[0]), parts[2].hasPrefix("/") else {
        throw GarrisonError(
          .syntax, operation: "parse /proc/<pid>/cgroup",
          "cgroup membership line \(index + 1) is malformed: \(line)")
      }
      let controllers = parts[1].isEmpty ? [] : parts[1].split(separator: ",").map(String.init)
      result.append(CgroupMembership(hierarchyID: id, controllers: controllers, path: String(parts[2])))
    }
    return result
  }

  /// Reads and parses `/proc/<pid>/cgroup`.
  public static func read(pid: pid_t) throws -> [CgroupMembership] {
    try parse(CgroupFS.read("/proc/\(pid)/cgroup"))
  }

  /// Reads and parses `/proc/self/cgroup`.
  public static func readSelf() throws -> [CgroupMembership] {
    try parse(CgroupFS.read("/proc/self/cgroup"))
  }
}
