import CGarrisonLinux
import GarrisonCore
import GarrisonKernel
import Glibc

/// Where garrison-init enters the container's cgroups, one directory per hierarchy, by kind.
///
/// Moving a process with a `cgroup.procs` write takes the kernel's cgroup threadgroup lock for writing, and
/// the first such write after a quiet spell waits for an RCU grace period (6–14 ms on the benchmark machine;
/// crun and runc pay it on every container start). The init is never moved that way:
/// - cgroup v2: it is born in the directory (`clone3(CLONE_INTO_CGROUP)`, Linux 5.7+), which takes that lock
///   only for reading;
/// - cgroup v1: before it forks the container process, it writes 0 to each `tasks` file the runtime opened
///   and sent it (`SyncChannel.joinCgroups`): moving only the calling thread needs no threadgroup lock
///   (Linux 6.0+; older kernels wait, nothing else changes). The container process inherits both.
public struct CgroupBirthplace: Sendable, Equatable {
  /// cgroup v1 directories (the init joins each through its `tasks` file).
  public var v1Directories: [String]
  /// The cgroup v2 directory (`CLONE_INTO_CGROUP`), if the host has a unified hierarchy.
  public var v2Directory: String?

  public init(v1Directories: [String], v2Directory: String?) {
    self.v1Directories = v1Directories
    self.v2Directory = v2Directory
  }

  /// Sorts `directories` by hierarchy kind: only a cgroup v2 directory has `cgroup.controllers`.
  public init(directories: [String]) throws {
    var v1: [String] = []
    var v2: String?
    for dir in directories {
      if access(dir + "/cgroup.controllers", F_OK) == 0 {
        guard v2 == nil else {
          throw GarrisonError(.system, operation: "place container", "two cgroup v2 directories: \(v2!), \(dir)")
        }
        v2 = dir
      } else {
        v1.append(dir)
      }
    }
    self.init(v1Directories: v1, v2Directory: v2)
  }
}
