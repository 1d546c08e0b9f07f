#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost

/// A container's own copy-on-write root: an overlay of read-only lower directories (image layers or a
/// `--rootfs` directory) with a fresh upper layer, mounted at `bundle/rootfs` where `root.path` points.
/// A restarted container gets a fresh upper layer, as in Kubernetes (a new container each time).
public enum ContainerRootfs {
  /// Mounts the overlay; returns the mount point. With an SELinux `mountLabel` the whole writable layer (and the
  /// image beneath it, as the container sees it) is labelled with it through the `context=` mount option.
  public static func mount(_ source: RootfsSource, containerDir: String, mountLabel: String? = nil) throws -> String {
    guard !source.lowerdirs.isEmpty else {
      throw GarrisonError(.invalid, "container has no root filesystem (no image layers and no --rootfs)")
    }
    for d in source.lowerdirs where FS.followType(d) != S_IFDIR {
      throw GarrisonError(.notFound, "rootfs layer \(d) is not a directory")
    }
    let merged = containerDir + "/bundle/rootfs"
    try unmount(containerDir: containerDir)
    let container = try ContainedDirectory(path: containerDir, operation: "reset the writable layer")
    for d in ["upper", "work"] {
      // A restart must not see the previous run's writes: remove the old layer (iteratively, however deep the
      // container made it) or fail.
      try container.remove(d)
      try FS.mkdirs(containerDir + "/" + d)
    }
    try container.removeLeftovers()
    try FS.mkdirs(merged)
    var data = "lowerdir=\(source.lowerdirs.joined(separator: ":")),upperdir=\(containerDir)/upper,workdir=\(containerDir)/work"
    if let context = SELinuxRelabel.contextOption(mountLabel) { data += "," + context }
    try Mounts.mount(source: "overlay", target: merged, type: "overlay", flags: 0, data: data)
    return merged
  }

  /// Unmounts the overlay if mounted.
  public static func unmount(containerDir: String) throws {
    try Mounts.unmount(containerDir + "/bundle/rootfs")
  }
}
