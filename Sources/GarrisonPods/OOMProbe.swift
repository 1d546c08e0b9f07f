import Foundation
import GarrisonCgroups
import GarrisonCore

/// The pod runner's use of GarrisonCgroups: a container's OOM-kill counter (read before `delete`, which
/// removes the cgroup) and removal of a pod's cgroup tree (`/garrison/<uid>`, killing anything left in it).
public enum OOMProbe {
  /// The OOM-kill count of cgroup `cgroupsPath` (as in the OCI config); nil if the cgroup is already gone.
  public static func oomKills(cgroupsPath: String) throws -> UInt64? {
    let manager = try CgroupManager.detect()
    let cgroup: Cgroup
    do {
      cgroup = try manager.open(path: cgroupsPath)
    } catch let e as GarrisonError where e.code == .notFound {
      return nil
    }
    return try cgroup.oomKillCount()
  }

  /// Kills whatever is left in the pod's cgroups and removes them, deepest first, in every hierarchy.
  public static func removeCgroups(parent: String) throws {
    try CgroupManager.detect().removeTree(path: parent, timeout: .seconds(5))
  }
}
