#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCgroups
import GarrisonCore
import GarrisonKernel

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
    try removeEmptyDirectories(parent: parent)
  }

  /// The runtime (crun's blkio, devices, hugetlb and name=systemd directories; garrison-oci's devices) may have made
  /// the same path in hierarchies the cgroup manager does not manage. Once the pod's processes are gone those
  /// directories are empty: remove them deepest first, in every cgroup mount, so nothing is left behind.
  static func removeEmptyDirectories(parent: String) throws {
    let mounts = try MountInfoEntry.current().filter { $0.fsType == "cgroup" || $0.fsType == "cgroup2" }.map(\.mountPoint)
    for mount in mounts {
      let top = mount + parent
      guard FS.type(top) == S_IFDIR else { continue }
      var dirs: [String] = [top]
      var pending = [top]
      while let dir = pending.popLast() {
        for name in (try? FileIO.listDirectory(dir)) ?? [] where FS.type(dir + "/" + name) == S_IFDIR {
          dirs.append(dir + "/" + name)
          pending.append(dir + "/" + name)
        }
      }
      for dir in dirs.sorted(by: { $0.count > $1.count }) where rmdir(dir) != 0 && errno != ENOENT {
        throw GarrisonError(.system, operation: "rmdir", "cannot remove cgroup directory \(dir)", errno: errno)
      }
    }
  }
}
