import GarrisonCore
import GarrisonKernel

/// The rootfs bind of a container without a mount namespace of its own: garrison-init binds the rootfs onto
/// itself in the runtime's mount namespace, makes it private and mounts the container's file systems below it
/// (`RootfsSetup`). `create` notes which mount that is; `delete` (and a failed create) detaches it with every
/// mount below it, so no mount of the container is left in the host's table.
enum SharedNamespaceRoot {
  /// The canonical path of `rootfs` as mountinfo shows it.
  static func canonical(_ rootfs: String) -> String { PathName.realPath(rootfs) ?? rootfs }

  /// The id of the mount on top at `rootfs` in this process's mount namespace, nil when there is none.
  static func topmost(_ rootfs: String) throws -> Int? {
    MountInfoEntry.topmost(at: canonical(rootfs), in: try MountInfoEntry.current())
  }

  /// The bind the init made: the mount on top at `rootfs` now, when it is not the one `before` the init ran.
  static func made(_ rootfs: String, before: Int?) throws -> Int? {
    let now = try topmost(rootfs)
    return now == before ? nil : now
  }

  /// Detaches mount `id` at `rootfs`, and every mount below it, when it is still the mount on top there
  /// (`MNT_DETACH`: a process of the container that still holds it keeps its view until it exits). Nothing to
  /// do when it is gone already.
  static func detach(_ id: Int, at rootfs: String) throws {
    let path = canonical(rootfs)
    guard MountInfoEntry.topmost(at: path, in: try MountInfoEntry.current()) == id else { return }
    do { try Kernel.unmount(path, flags: LinuxConstants.MNT_DETACH) } catch {
      throw GarrisonError(
        .system, operation: "umount \(path)", "cannot detach the container's rootfs bind", errno: error.rawValue)
    }
  }
}
