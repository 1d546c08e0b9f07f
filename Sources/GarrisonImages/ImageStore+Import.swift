import Foundation
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

extension ImageStore {
  /// What an import stored.
  public struct ImportResult: Sendable {
    /// Each image stored, with its name and manifest digest.
    public var images: [(reference: ImageReference, digest: Digest)]
    /// True for an OCI archive, false for a rootfs tarball.
    public var wasOCIArchive: Bool
  }

  /// Imports `path`: an OCI archive (a tar holding `oci-layout` and `index.json`) or a rootfs tarball
  /// (plain or gzip). Without `name`, a rootfs tarball is named after its file (`rootfs.tar.gz` → `rootfs:latest`)
  /// and archive images after their `io.containerd.image.name` or `org.opencontainers.image.ref.name` annotation.
  public func importFile(_ path: String, name: ImageReference?) throws -> ImportResult {
    try withStagingDirectory("import") { staging in
      // Work on a private copy so what is checked is exactly what is stored.
      let copy = staging + "/input"
      let (fileDigest, fileSize) = try Self.copyHashing(try FileDescriptorSource(path: path, followSymlinks: true), to: copy)
      let scan = try Self.scanTar(copy)
      if scan.isOCILayout {
        return try importOCIArchive(copy, staging: staging, name: name)
      }
      if scan.isDockerArchive {
        throw GarrisonError(
          .invalid, operation: "import image",
          "`\(path)` is a `docker save` archive without an OCI layout; convert it with `skopeo copy docker-archive:FILE oci-archive:OUT`")
      }
      let name = try name ?? Self.defaultName(forFile: path)
      let compression = try Compression.detect(path: copy)
      let layer = Descriptor(
        mediaType: compression == .gzip ? MediaType.layerTarGzip : MediaType.layerTar,
        digest: fileDigest, size: fileSize)
      let digest = try importRootfs(
        layer: layer, staged: copy, diffID: scan.diffID, staging: staging, name: name,
        source: (path as NSString).lastPathComponent)
      return ImportResult(images: [(name, digest)], wasOCIArchive: false)
    }
  }

  /// `rootfs.tar.gz` → `rootfs:latest`; refused when the file name makes no valid reference.
  static func defaultName(forFile path: String) throws -> ImageReference {
    var base = (path as NSString).lastPathComponent.lowercased()
    for suffix in [".tar.gz", ".tgz", ".tar", ".gz"] where base.hasSuffix(suffix) {
      base = String(base.dropLast(suffix.count))
      break
    }
    do { return try ImageReference(parsing: base) } catch {
      throw GarrisonError(.usage, operation: "import image", "cannot derive an image name from `\(path)`: give one with --name NAME[:TAG]")
    }
  }

  /// One pass over a (possibly compressed) tar: is it an OCI layout, what is its diff ID; refuses `..` members.
  static func scanTar(_ path: String) throws -> (isOCILayout: Bool, isDockerArchive: Bool, diffID: Digest) {
    let reader = TarReader(source: try Compression.open(path: path))
    var names: Set<String> = []
    while let entry = try reader.next() {
      let parts = try ContainedPath.components(entry.path, operation: "import")
      if parts.count == 1 { names.insert(parts[0]) }
    }
    try reader.finish()
    return (
      names.contains("oci-layout") && names.contains("index.json"),
      names.contains("manifest.json") && names.contains("repositories"), reader.digest
    )
  }

  // MARK: - Rootfs tarball

  private func importRootfs(
    layer: Descriptor, staged: String, diffID: Digest, staging: String,
    name: ImageReference, source: String
  ) throws -> Digest {
    let now = Self.timestamp()
    let platform = Platform.current
    var configFile = ImageConfigFile(
      created: now, architecture: platform.architecture, os: platform.os,
      config: .rootfsDefault, rootfs: RootFS(diffIDs: [diffID]),
      history: [HistoryEntry(created: now, createdBy: "garrison image import \(source)")])
    configFile.variant = platform.variant
    let configBytes = try Self.encode(configFile)
    let config = Descriptor(mediaType: MediaType.imageConfig, digest: Digest.of(configBytes), size: Int64(configBytes.count))
    let manifestBytes = try Self.encode(ImageManifest(config: config, layers: [layer]))
    let manifest = Descriptor(
      mediaType: MediaType.imageManifest, digest: Digest.of(manifestBytes),
      size: Int64(manifestBytes.count), platform: platform)
    var blobs = [layer.digest: staged]
    for (d, bytes) in [(config.digest, configBytes), (manifest.digest, manifestBytes)] {
      let p = staging + "/" + d.hex
      try Self.writeAtomically(bytes, to: p, staging: staging)
      blobs[d] = p
    }
    try commit(blobs: blobs, entries: [(manifest, name)])
    return manifest.digest
  }

  static func timestamp() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    f.timeZone = TimeZone(identifier: "UTC")
    return f.string(from: Date())
  }

  // MARK: - OCI archive

  private func importOCIArchive(_ archive: String, staging: String, name: ImageReference?) throws -> ImportResult {
    let blobDir = staging + "/blobs"
    guard mkdir(blobDir, 0o700) == 0 else { throw LayerExtractor.sysError("mkdir", blobDir) }
    var staged: [Digest: (path: String, size: Int64)] = [:]
    var layoutMarker: [UInt8]?
    var indexBytes: [UInt8]?

    let reader = TarReader(source: try Compression.open(path: archive))
    while let entry = try reader.next() {
      let parts = try ContainedPath.components(entry.path, operation: "import")
      if entry.kind == .directory { continue }
      switch parts.count {
      case 1 where parts[0] == "oci-layout" || parts[0] == "index.json":
        guard entry.kind == .regular else { throw Self.refuse("`\(entry.path)` in the archive is not a regular file") }
        if parts[0] == "oci-layout" {
          layoutMarker = try reader.readAll(limit: 1 << 16)
        } else {
          indexBytes = try reader.readAll(limit: 16 << 20)
        }
      case 3 where parts[0] == "blobs" && parts[1] == "sha256":
        guard entry.kind == .regular else { throw Self.refuse("blob `\(entry.path)` in the archive is not a regular file") }
        let named = try Digest(hex: parts[2])
        let path = blobDir + "/" + named.hex
        if staged[named] != nil { throw Self.refuse("blob \(named) appears twice in the archive") }
        let (digest, size) = try Self.copyMember(reader, to: path)
        guard digest == named else {
          throw Self.refuse("blob \(named) in the archive has content with digest \(digest); refusing the archive")
        }
        staged[named] = (path, size)
      default:
        continue  // e.g. Docker's manifest.json and repositories: not part of the OCI layout
      }
    }
    try reader.finish()

    guard let layoutMarker, let indexBytes else { throw Self.refuse("archive lacks oci-layout or index.json") }
    let marker = try Self.decode(ImageLayoutMarker.self, layoutMarker, what: "oci-layout")
    guard marker.imageLayoutVersion == "1.0.0" else {
      throw Self.refuse("unsupported imageLayoutVersion `\(marker.imageLayoutVersion)`")
    }
    let index = try Self.decode(ImageIndex.self, indexBytes, what: "index.json of the archive")

    // Resolve and verify every image before storing anything.
    var verifier = ArchiveVerifier(staged: staged)
    var entries: [(Descriptor, ImageReference)] = []
    let platform = Platform.current
    let topLevel = index.manifests.filter { $0.platform.map { $0.os == platform.os && $0.architecture == platform.architecture } ?? true }
    guard !topLevel.isEmpty else { throw Self.refuse("the archive has no image for \(platform.os)/\(platform.architecture)") }
    if name != nil, topLevel.count > 1 {
      throw GarrisonError(.usage, operation: "import image", "the archive holds \(topLevel.count) images; --name can name only one")
    }
    for descriptor in topLevel {
      let manifest = try verifier.resolveManifest(descriptor, platform: platform)
      let annotations = descriptor.annotations ?? [:]
      guard
        let reference = try name
          ?? (annotations[AnnotationKey.containerdImageName] ?? annotations[AnnotationKey.refName]).map({
            try ImageReference(parsing: $0)
          })
      else {
        throw GarrisonError(.usage, operation: "import image", "image \(manifest.digest) in the archive has no name: give one with --name")
      }
      entries.append((manifest, reference))
    }
    try commit(blobs: verifier.needed.reduce(into: [:]) { $0[$1] = staged[$1]!.path }, entries: entries)
    return ImportResult(images: entries.map { ($0.1, $0.0.digest) }, wasOCIArchive: true)
  }

  private static func copyMember(_ reader: TarReader, to path: String) throws -> (Digest, Int64) {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw LayerExtractor.sysError("create", path) }
    defer { _ = close(fd) }
    var hasher = DigestHasher()
    try reader.readData { chunk in
      hasher.update(chunk)
      try LayerExtractor.writeAll(fd, chunk, path)
    }
    return (hasher.finalize(), hasher.count)
  }

  static func refuse(_ message: String) -> GarrisonError {
    GarrisonError(.refused, operation: "import OCI archive", message)
  }
}

/// Checks the blobs an archive's index reaches: each must be present with the descriptor's digest and size.
struct ArchiveVerifier {
  let staged: [Digest: (path: String, size: Int64)]
  private(set) var needed: Set<Digest> = []

  init(staged: [Digest: (path: String, size: Int64)]) { self.staged = staged }

  mutating func verify(_ d: Descriptor, limit: Int64? = nil) throws -> String {
    guard let blob = staged[d.digest] else {
      throw ImageStore.refuse("blob \(d.digest) (\(d.mediaType)) is missing from the archive or has a wrong digest")
    }
    guard blob.size == d.size else {
      throw ImageStore.refuse("blob \(d.digest) has \(blob.size) bytes but its descriptor says \(d.size)")
    }
    if let limit, d.size > limit { throw ImageStore.refuse("blob \(d.digest) is too large for a \(d.mediaType)") }
    needed.insert(d.digest)
    return blob.path
  }

  /// Follows `d` (a manifest, or an index from which the `platform` manifest is chosen) and verifies the image.
  mutating func resolveManifest(_ d: Descriptor, platform: Platform, depth: Int = 0) throws -> Descriptor {
    guard depth < 4 else { throw ImageStore.refuse("image indexes nest too deeply") }
    let path = try verify(d, limit: 16 << 20)
    let bytes = try ImageStore.readFile(path, limit: 16 << 20)
    if MediaType.indexTypes.contains(d.mediaType) {
      // The nested index itself is not kept: the store lists the chosen manifest.
      needed.remove(d.digest)
      let index = try ImageStore.decode(ImageIndex.self, bytes, what: "image index \(d.digest)")
      guard
        let chosen = index.manifests.first(where: {
          $0.platform?.os == platform.os && $0.platform?.architecture == platform.architecture
        })
      else {
        throw ImageStore.refuse("image index \(d.digest) has no manifest for \(platform.os)/\(platform.architecture)")
      }
      var result = try resolveManifest(chosen, platform: platform, depth: depth + 1)
      result.annotations = d.annotations
      return result
    }
    guard MediaType.manifestTypes.contains(d.mediaType) else {
      throw ImageStore.refuse("unsupported media type `\(d.mediaType)` in the archive index")
    }
    let manifest = try ImageStore.decode(ImageManifest.self, bytes, what: "manifest \(d.digest)")
    let configPath = try verify(manifest.config, limit: 16 << 20)
    let config = try ImageStore.decode(
      ImageConfigFile.self, try ImageStore.readFile(configPath, limit: 16 << 20),
      what: "config \(manifest.config.digest)")
    guard config.rootfs.diffIDs.count == manifest.layers.count else {
      throw ImageStore.refuse(
        "manifest \(d.digest) has \(manifest.layers.count) layers but its config lists \(config.rootfs.diffIDs.count) diff IDs")
    }
    let supported: Set<String> = [MediaType.layerTar, MediaType.layerTarGzip, MediaType.dockerLayerGzip]
    for layer in manifest.layers {
      guard supported.contains(layer.mediaType) else {
        throw ImageStore.refuse("layer \(layer.digest) has unsupported media type `\(layer.mediaType)`")
      }
      _ = try verify(layer)
    }
    return Descriptor(mediaType: d.mediaType, digest: d.digest, size: d.size, annotations: d.annotations, platform: d.platform)
  }
}
