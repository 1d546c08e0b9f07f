import Foundation
import GarrisonCore
import GarrisonKernel

#if canImport(Glibc)
  import Glibc
#endif

/// Garrison's local image store: an OCI image layout under `$GARRISON_ROOT/images`
/// (`oci-layout`, `index.json`, `blobs/sha256/…`), plus `layers/<diffid>/` (unpacked layers, overlayfs form)
/// and `tmp/` (staging; everything is built there and renamed into place, so nothing is ever half-imported).
///
/// Permissions as containerd and podman keep theirs: the root 0711 and everything under `images/` 0700, owned by
/// the user Garrison runs as (``StateDirectory``), so no other local user reaches an unpacked layer's setuid
/// binaries or device nodes. Staging leftovers of a crashed command (`tmp/`, `layers/.tmp-…`, interrupted removals)
/// are deleted when the next store command opens the store.
///
/// Image names live in the `org.opencontainers.image.ref.name` annotation of `index.json` entries, as `name:tag`.
/// Mutations of `index.json` take an exclusive `flock` on `images/.lock`.
public final class ImageStore: @unchecked Sendable {
  /// `$GARRISON_ROOT`.
  public let root: String
  /// `$GARRISON_ROOT/images`.
  public let directory: String

  var blobsDirectory: String { directory + "/blobs/sha256" }
  var layersDirectory: String { directory + "/layers" }
  var stagingDirectory: String { directory + "/tmp" }
  var indexPath: String { directory + "/index.json" }

  /// The default root, `/var/lib/garrison`, unless `GARRISON_ROOT` is set.
  public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let r = environment["GARRISON_ROOT"], !r.isEmpty { return r }
    return "/var/lib/garrison"
  }

  /// Opens (creating if needed) the store under `root`.
  public init(root: String) throws {
    guard root.hasPrefix("/") else {
      throw GarrisonError(.usage, operation: "open image store", "the garrison root must be an absolute path, got `\(root)`")
    }
    self.root = root
    self.directory = root + "/images"
    try createLayout()
  }

  private func createLayout() throws {
    try StateDirectory.ensure(root, mode: 0o711, createParents: true)
    for dir in [directory, directory + "/blobs", blobsDirectory, layersDirectory, stagingDirectory] {
      try StateDirectory.ensure(dir, mode: 0o700)
    }
    try removeLeftovers()
    let marker = directory + "/oci-layout"
    if !FileManager.default.fileExists(atPath: marker) {
      try Self.writeAtomically(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: marker, staging: stagingDirectory)
    }
    if !FileManager.default.fileExists(atPath: indexPath) {
      try Self.writeAtomically(try Self.encode(ImageIndex()), to: indexPath, staging: stagingDirectory)
    }
  }

  // MARK: - Index

  /// The store's `index.json`.
  public func readIndex() throws -> ImageIndex {
    let data = try Self.readFile(indexPath, limit: 64 << 20)
    return try Self.decode(ImageIndex.self, data, what: indexPath)
  }

  func writeIndex(_ index: ImageIndex) throws {
    try Self.writeAtomically(try Self.encode(index), to: indexPath, staging: stagingDirectory)
  }

  /// Runs `body` holding the store's exclusive lock.
  func withLock<T>(_ body: () throws -> T) throws -> T {
    let fd = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw LayerExtractor.sysError("open lock", directory + "/.lock") }
    defer { _ = close(fd) }
    while flock(fd, LOCK_EX) != 0 {
      if errno != EINTR { throw LayerExtractor.sysError("flock", directory + "/.lock") }
    }
    return try body()
  }

  // MARK: - Blobs

  /// The path of a blob in the store.
  public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.hex }

  /// Reads a small blob (manifest, config) and checks it against its descriptor.
  public func readBlob(_ descriptor: Descriptor, limit: Int64 = 16 << 20) throws -> [UInt8] {
    guard descriptor.size <= limit else {
      throw GarrisonError(.invalid, operation: "read blob", "blob \(descriptor.digest) is too large (\(descriptor.size) bytes)")
    }
    let data = try Self.readFile(blobPath(descriptor.digest), limit: limit)
    let actual = Digest.of(data)
    guard actual == descriptor.digest, Int64(data.count) == descriptor.size else {
      throw GarrisonError(
        .invalid, operation: "verify blob",
        "blob \(descriptor.digest) is corrupt: found \(actual) with \(data.count) bytes, expected \(descriptor.size)")
    }
    return data
  }

  // MARK: - Lookup

  /// An image found in the store.
  public struct Image: Sendable {
    /// The name it was found under (`nil` for a lookup by digest of an unnamed entry).
    public var reference: ImageReference?
    public var manifestDescriptor: Descriptor
    public var manifest: ImageManifest
    public var configDescriptor: Descriptor { manifest.config }
    public var configFile: ImageConfigFile
    /// The execution parameters (an empty config when the image has none).
    public var config: ImageConfig { configFile.config ?? ImageConfig() }
  }

  /// Finds an image by `name[:tag]` (also trying `localhost/name`), `name@sha256:…`, or a manifest digest
  /// (`sha256:…` or at least 12 hex characters of it).
  public func resolve(_ text: String) throws -> Image {
    let index = try readIndex()
    guard let descriptor = try Self.find(text, in: index) else {
      throw GarrisonError(.notFound, operation: "find image", "image `\(text)` is not in the store at \(directory)")
    }
    return try load(descriptor)
  }

  func load(_ descriptor: Descriptor) throws -> Image {
    guard MediaType.manifestTypes.contains(descriptor.mediaType) else {
      throw GarrisonError(
        .invalid, operation: "load image", "index entry \(descriptor.digest) is a \(descriptor.mediaType), not a manifest")
    }
    let manifest = try Self.decode(ImageManifest.self, try readBlob(descriptor), what: "manifest \(descriptor.digest)")
    let configFile = try Self.decode(ImageConfigFile.self, try readBlob(manifest.config), what: "config \(manifest.config.digest)")
    let reference = try descriptor.annotations?[AnnotationKey.refName].map { try ImageReference(parsing: $0) }
    return Image(reference: reference, manifestDescriptor: descriptor, manifest: manifest, configFile: configFile)
  }

  /// The index entry `text` names, if any.
  static func find(_ text: String, in index: ImageIndex) throws -> Descriptor? {
    let hexDigits = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
    if hexDigits.count >= 12, hexDigits.count <= 64, hexDigits.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
      let matches = Set(index.manifests.filter { $0.digest.hex.hasPrefix(hexDigits) }.map(\.digest))
      if matches.count > 1 {
        throw GarrisonError(.invalid, operation: "find image", "digest prefix `\(text)` is ambiguous")
      }
      if let d = matches.first { return index.manifests.first { $0.digest == d } }
      if text.hasPrefix("sha256:") { return nil }
    }
    let ref = try ImageReference(parsing: text)
    var candidates = [ref.nameAndTag]
    if !ref.name.contains("/") { candidates.append("localhost/" + ref.nameAndTag) }
    for candidate in candidates {
      if let d = index.manifests.first(where: {
        $0.annotations?[AnnotationKey.refName] == candidate && (ref.digest == nil || ref.digest == $0.digest)
      }) {
        return d
      }
    }
    return nil
  }

  // MARK: - Listing and removal

  /// One row of `garrison image ls`.
  public struct Summary: Sendable, Equatable {
    public var name: String
    public var tag: String
    public var digest: Digest
    /// Config plus (compressed) layer sizes, in bytes.
    public var size: Int64
    /// The config's `created` time as written (RFC 3339), if any.
    public var created: String?
  }

  /// All named images, sorted by name and tag.
  public func list() throws -> [Summary] {
    var out: [Summary] = []
    for descriptor in try readIndex().manifests {
      let image = try load(descriptor)
      let size = image.manifest.config.size + image.manifest.layers.reduce(0) { $0 + $1.size }
      out.append(
        Summary(
          name: image.reference?.name ?? "<none>", tag: image.reference?.tag ?? "<none>",
          digest: descriptor.digest, size: size, created: image.configFile.created))
    }
    return out.sorted { ($0.name, $0.tag) < ($1.name, $1.tag) }
  }

  /// Removes the name `text`, then deletes blobs and unpacked layers no remaining image uses.
  /// Returns the reference or digest removed.
  @discardableResult
  public func remove(_ text: String) throws -> String {
    try withLock {
      var index = try readIndex()
      guard let descriptor = try Self.find(text, in: index) else {
        throw GarrisonError(.notFound, operation: "remove image", "image `\(text)` is not in the store at \(directory)")
      }
      let name = descriptor.annotations?[AnnotationKey.refName]
      index.manifests.removeAll { $0.digest == descriptor.digest && $0.annotations?[AnnotationKey.refName] == name }
      try writeIndex(index)
      try collectGarbage(index)
      return name ?? descriptor.digest.description
    }
  }

  /// Deletes blobs and layer directories that no index entry reaches. Call with the lock held.
  func collectGarbage(_ index: ImageIndex) throws {
    var blobs: Set<String> = []
    var layers: Set<String> = []
    for descriptor in index.manifests {
      let image = try load(descriptor)
      blobs.insert(descriptor.digest.hex)
      blobs.insert(image.manifest.config.digest.hex)
      for l in image.manifest.layers { blobs.insert(l.digest.hex) }
      for d in image.configFile.rootfs.diffIDs { layers.insert(d.hex) }
    }
    for name in try FileManager.default.contentsOfDirectory(atPath: blobsDirectory) where !blobs.contains(name) {
      guard unlink(blobsDirectory + "/" + name) == 0 else { throw LayerExtractor.sysError("unlink", name) }
    }
    let layersDir = try ContainedDirectory(path: layersDirectory)
    for name in try layersDir.entries() where !layers.contains(name) && !name.hasPrefix(".") {
      try layersDir.remove(name)
    }
  }

  // MARK: - File helpers

  static func readFile(_ path: String, limit: Int64) throws -> [UInt8] {
    let src = try FileDescriptorSource(path: path)
    defer { try? src.close() }  // read-only descriptor
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let n = try chunk.withUnsafeMutableBytes { try src.read(into: $0) }
      if n == 0 { return out }
      out.append(contentsOf: chunk[0..<n])
      guard Int64(out.count) <= limit else {
        throw GarrisonError(.invalid, operation: "read", "`\(path)` is larger than \(limit) bytes")
      }
    }
  }

  /// Writes `bytes` to a temporary file in `staging`, fsyncs it and renames it over `path`.
  static func writeAtomically(_ bytes: [UInt8], to path: String, staging: String) throws {
    let tmp = staging + "/write-" + UUID().uuidString
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw LayerExtractor.sysError("create", tmp) }
    var closed = false
    do {
      try bytes.withUnsafeBytes { try LayerExtractor.writeAll(fd, $0, tmp) }
      guard fsync(fd) == 0 else { throw LayerExtractor.sysError("fsync", tmp) }
      closed = true
      guard close(fd) == 0 else { throw LayerExtractor.sysError("close", tmp) }
      guard rename(tmp, path) == 0 else { throw LayerExtractor.sysError("rename", path) }
    } catch {
      if !closed { _ = close(fd) }
      _ = unlink(tmp)
      throw error
    }
  }

  static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Array(try encoder.encode(value))
  }

  static func decode<T: Decodable>(_ type: T.Type, _ data: [UInt8], what: String) throws -> T {
    do { return try JSONDecoder().decode(type, from: Data(data)) } catch {
      throw GarrisonError(.invalid, operation: "decode", "`\(what)` is not a valid \(T.self): \(error)")
    }
  }
}
