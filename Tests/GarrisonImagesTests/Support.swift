import Foundation
import GarrisonImages
import GarrisonTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The images tests' scratch directories are GarrisonTestSupport's.
typealias Scratch = ScratchDirectory

let isRoot = geteuid() == 0

func gzip(_ bytes: [UInt8], in scratch: Scratch) throws -> [UInt8] {
  let p = try scratch.write("gz-\(UUID().uuidString)", bytes)
  #expect(try TestProcess.run("/usr/bin/gzip", ["-n", p]).status == 0)
  let data = try Data(contentsOf: URL(fileURLWithPath: p + ".gz"))
  try FileManager.default.removeItem(atPath: p + ".gz")
  return Array(data)
}

func json<T: Encodable>(_ value: T) throws -> [UInt8] {
  let e = JSONEncoder()
  e.outputFormatting = [.sortedKeys]
  return Array(try e.encode(value))
}

/// A small rootfs layer: /bin/sh (a script), /etc/passwd, /etc/hostname, /tmp.
func sampleRootfsTar() -> [UInt8] {
  var w = TarWriter()
  w.directory("./")
  w.directory("./bin")
  w.file("./bin/sh", "#!/bin/true\n", mode: 0o755)
  w.directory("./etc")
  w.file("./etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
  w.file("./etc/hostname", "sample\n")
  w.directory("./tmp", mode: 0o1777)
  return w.finish()
}

/// Builds an OCI archive holding one image made of `layers` (uncompressed tars), named `refName` if given.
/// `tamper` may change blobs after descriptors were computed.
struct OCIArchiveBuilder {
  var layers: [[UInt8]]
  var refName: String?
  var config = ImageConfig(user: "10001", env: ["PATH=/bin"], entrypoint: ["/bin/app"], cmd: ["--serve"])

  func build(tamper: (inout [String: [UInt8]], inout ImageManifest) -> Void = { _, _ in }) throws -> [UInt8] {
    var blobs: [String: [UInt8]] = [:]
    var layerDescriptors: [Descriptor] = []
    var diffIDs: [Digest] = []
    for layer in layers {
      let d = Digest.of(layer)
      blobs[d.hex] = layer
      layerDescriptors.append(Descriptor(mediaType: MediaType.layerTar, digest: d, size: Int64(layer.count)))
      diffIDs.append(d)
    }
    let configFile = ImageConfigFile(
      created: "2026-01-02T03:04:05Z", architecture: Platform.current.architecture,
      os: "linux", config: config, rootfs: RootFS(diffIDs: diffIDs))
    let configBytes = try json(configFile)
    let configDescriptor = Descriptor(mediaType: MediaType.imageConfig, digest: Digest.of(configBytes), size: Int64(configBytes.count))
    blobs[configDescriptor.digest.hex] = configBytes
    var manifest = ImageManifest(config: configDescriptor, layers: layerDescriptors)
    tamper(&blobs, &manifest)
    let manifestBytes = try json(manifest)
    let md = Descriptor(
      mediaType: MediaType.imageManifest, digest: Digest.of(manifestBytes), size: Int64(manifestBytes.count),
      annotations: refName.map { [AnnotationKey.refName: $0] })
    blobs[md.digest.hex] = manifestBytes
    var w = TarWriter()
    w.file("oci-layout", #"{"imageLayoutVersion":"1.0.0"}"#)
    w.append(TarEntry(path: "index.json", kind: .regular), data: try json(ImageIndex(manifests: [md])))
    w.directory("blobs")
    w.directory("blobs/sha256")
    for (hex, bytes) in blobs.sorted(by: { $0.key < $1.key }) {
      w.append(TarEntry(path: "blobs/sha256/" + hex, kind: .regular), data: bytes)
    }
    return w.finish()
  }
}

/// Every path below `dir` (relative), for before/after comparisons.
func tree(_ dir: String) -> [String] {
  (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).sorted()
}

func lstatMode(_ path: String) -> mode_t? {
  var st = stat()
  return lstat(path, &st) == 0 ? st.st_mode : nil
}
