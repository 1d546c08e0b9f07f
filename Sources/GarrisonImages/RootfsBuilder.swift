import Foundation
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

/// The parameters of a container's overlayfs root. The mount itself is done by the container init,
/// inside the container's own mount namespace.
public struct OverlayMount: Sendable, Equatable {
  /// Lower directories in overlayfs order: the topmost layer first, the base layer last.
  public var lowerdirs: [String]
  public var upperdir: String
  public var workdir: String
  /// Where the merged root is mounted.
  public var merged: String

  /// The `mount -t overlay` data string: `lowerdir=top:…:base,upperdir=…,workdir=…`.
  public var options: String {
    "lowerdir=\(lowerdirs.joined(separator: ":")),upperdir=\(upperdir),workdir=\(workdir)"
  }
}

/// Builds container root filesystems from unpacked image layers.
public enum RootfsBuilder {
  /// Creates `containerDir/{upper,work,merged}` and returns the overlay parameters for `layers`
  /// (base layer first, as ``ImageStore/unpack(_:)`` returns them).
  /// Paths containing `:`, `,` or `\` are refused: they cannot be expressed in overlayfs options.
  public static func prepareOverlay(layers: [String], containerDir: String) throws -> OverlayMount {
    guard !layers.isEmpty else {
      throw GarrisonError(.invalid, operation: "prepare rootfs", "an image needs at least one layer")
    }
    for path in layers + [containerDir] {
      guard path.hasPrefix("/"), !path.contains(":"), !path.contains(","), !path.contains("\\") else {
        throw GarrisonError(.invalid, operation: "prepare rootfs", "`\(path)` is not an absolute path usable in overlayfs options")
      }
    }
    try StateDirectory.ensure(containerDir, mode: 0o711)
    let m = OverlayMount(
      lowerdirs: layers.reversed(), upperdir: containerDir + "/upper",
      workdir: containerDir + "/work", merged: containerDir + "/merged")
    for dir in [m.upperdir, m.workdir, m.merged] { try StateDirectory.ensure(dir, mode: 0o755) }
    guard m.options.utf8.count < 4000 else {
      throw GarrisonError(
        .unenforceable, operation: "prepare rootfs",
        "overlay options for \(layers.count) layers exceed the kernel's one-page limit")
    }
    return m
  }

  /// The result of a command run on a mounted overlay.
  public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
  }

  /// Mounts `overlay` in a private mount namespace (`unshare -m --propagation private`) and runs `command`
  /// there with the merged directory as its working directory; the mount disappears with the namespace, so the
  /// host's mount table is never touched. Needs root. Intended for tests and diagnostics.
  public static func mountOverlay(_ overlay: OverlayMount, running command: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    process.arguments =
      [
        "-m", "--propagation", "private", "--", "/bin/sh", "-c",
        #"mount -t overlay overlay -o "$1" "$2" && cd "$2" && shift 2 && exec "$@""#,
        "sh", overlay.options, overlay.merged,
      ] + command
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch {
      throw GarrisonError(.system, operation: "spawn unshare", "cannot run unshare: \(error)")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }
}
