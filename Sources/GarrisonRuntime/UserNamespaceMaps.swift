import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel

/// Writes a new user namespace's id maps from the runtime, which is root in the parent namespace.
///
/// Order as in runc, crun and youki: `uid_map`, then `gid_map`, each in a single `write` (the kernel accepts
/// one write per map). `setgroups` is left at `allow`: the kernel requires `deny` only when an unprivileged
/// writer maps gids, and the container's root must still be able to call `setgroups` for
/// `process.user.additionalGids`. Nothing is written for a namespace that is joined.
public enum UserNamespaceMaps {
  /// The text of one map file.
  public static func text(_ maps: [InitSpec.IDMap]) -> String {
    maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
  }

  /// Writes `/proc/<pid>/uid_map` and `/proc/<pid>/gid_map`.
  public static func write(pid: Int32, spec: InitSpec) throws {
    for (file, maps) in [("uid_map", spec.uidMappings ?? []), ("gid_map", spec.gidMappings ?? [])] {
      let path = "/proc/\(pid)/\(file)"
      do { try FileIO.write(path, text(maps)) } catch {
        throw GarrisonError(
          .system, operation: "write \(path)", "cannot map the container's user namespace",
          errno: error.rawValue)
      }
    }
  }
}
