import Foundation
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

extension ImageStore {
  /// The directory an unpacked layer lives in: `images/layers/<diffid hex>`.
  public func layerDirectory(_ diffID: Digest) -> String { layersDirectory + "/" + diffID.hex }

  /// Unpacks every layer of the image `reference` (once: an existing layer directory is reused) and returns
  /// the layer directories, base layer first, ready to be overlayfs lower directories.
  ///
  /// Each layer is extracted by ``LayerExtractor`` into `layers/.tmp-…`, its uncompressed sha256 is checked
  /// against the config's diff ID, and only then is it renamed to `layers/<diffid>`.
  public func unpack(_ reference: String) throws -> [String] {
    try unpack(try resolve(reference))
  }

  /// Unpacks an image already found with ``resolve(_:)``; see ``unpack(_:)-(String)``.
  public func unpack(_ image: Image) throws -> [String] {
    let reference = image.reference?.description ?? image.manifestDescriptor.digest.description
    let diffIDs = image.configFile.rootfs.diffIDs
    guard diffIDs.count == image.manifest.layers.count else {
      throw GarrisonError(
        .invalid, operation: "unpack", "image `\(reference)` has \(image.manifest.layers.count) layers but \(diffIDs.count) diff IDs")
    }
    var out: [String] = []
    for (layer, diffID) in zip(image.manifest.layers, diffIDs) {
      try unpackLayer(layer, diffID: diffID)
      out.append(layerDirectory(diffID))
    }
    return out
  }

  private func unpackLayer(_ layer: Descriptor, diffID: Digest) throws {
    let final = layerDirectory(diffID)
    var st = stat()
    if lstat(final, &st) == 0 {
      guard (st.st_mode & S_IFMT) == S_IFDIR else {
        throw GarrisonError(.refused, operation: "unpack", "`\(final)` exists and is not a directory")
      }
      return
    }
    let tmpName = ".tmp-" + Self.scratchName(String(diffID.hex.prefix(12)))
    let tmp = layersDirectory + "/" + tmpName
    guard mkdir(tmp, 0o700) == 0 else { throw LayerExtractor.sysError("mkdir", tmp) }
    var renamed = false
    defer {
      if !renamed { Self.discard(layersDirectory, tmpName) }
    }
    let reader = TarReader(source: try Compression.open(path: blobPath(layer.digest)))
    let extractor = try LayerExtractor(directory: tmp)
    try extractor.extract(reader)
    try reader.finish()
    guard reader.digest == diffID else {
      throw GarrisonError(
        .refused, operation: "unpack",
        "layer \(layer.digest) unpacks to content with digest \(reader.digest), but the image config says \(diffID)")
    }
    if rename(tmp, final) == 0 {
      renamed = true
    } else if errno != EEXIST && errno != ENOTEMPTY {
      throw LayerExtractor.sysError("rename", final)
    }  // else: a concurrent unpack of the same layer won; ours is discarded
  }
}
