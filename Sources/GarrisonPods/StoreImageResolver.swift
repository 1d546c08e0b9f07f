import Foundation
import GarrisonCore

/// Resolves images from the image store (`garrison image import`). Until GarrisonImages is merged into this
/// branch, only `--rootfs DIR` is available and this refuses with a clear message.
public enum StoreImageResolver {
  public static func make() throws -> any ImageResolver {
    throw GarrisonError(.usage, "no image store yet on this build: pass --rootfs DIR (a root filesystem directory used for every container)")
  }
}
