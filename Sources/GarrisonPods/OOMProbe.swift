import Foundation
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
    let mountinfo = try FileIO.readText("/proc/self/mountinfo")
    let mounts = mountinfo.split(separator: "\n").compactMap { line -> String? in
      let fields = line.split(separator: " ")
      guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count,
        fields[dash + 1] == "cgroup" || fields[dash + 1] == "cgroup2", fields.count > 4
      else { return nil }
      return String(fields[4])
    }
    let fm = FileManager.default
    for mount in mounts {
      let top = mount + parent
      guard fm.fileExists(atPath: top) else { continue }
      var dirs: [String] = [top]
      if let e = fm.enumerator(atPath: top) {
        while let rel = e.nextObject() as? String {
          var isDir: ObjCBool = false
          if fm.fileExists(atPath: top + "/" + rel, isDirectory: &isDir), isDir.boolValue { dirs.append(top + "/" + rel) }
        }
      }
      for dir in dirs.sorted(by: { $0.count > $1.count }) where rmdir(dir) != 0 && errno != ENOENT {
        throw GarrisonError(.system, operation: "rmdir", "cannot remove cgroup directory \(dir)", errno: errno)
      }
    }
  }
}
