import Foundation
import GarrisonCore
import GarrisonImages
import GarrisonTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite(.serialized) struct StoreTests {
  @Test func importsRootfsTarballPlainAndGzip() throws {
    let s = try Scratch("store")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    #expect(FileManager.default.fileExists(atPath: s.path + "/root/images/oci-layout"))
    let plain = try s.write("rootfs.tar", sampleRootfsTar())
    let result = try store.importFile(plain, name: try ImageReference(parsing: "busybox"))
    #expect(!result.wasOCIArchive)
    #expect(result.images.map(\.reference.description) == ["busybox:latest"])

    let gz = try s.write("rootfs.tar.gz", try gzip(sampleRootfsTar(), in: s))
    let named = try store.importFile(gz, name: nil)  // named after the file
    #expect(named.images.map(\.reference.description) == ["rootfs:latest"])

    let image = try store.resolve("busybox")
    #expect(image.config.cmd == ["/bin/sh"])
    #expect(image.config.env?.first?.hasPrefix("PATH=") == true)
    #expect(image.configFile.rootfs.diffIDs == [Digest.of(sampleRootfsTar())])
    #expect(image.manifest.layers[0].mediaType == MediaType.layerTar)
    let gzImage = try store.resolve("rootfs:latest")
    #expect(gzImage.manifest.layers[0].mediaType == MediaType.layerTarGzip)
    #expect(gzImage.configFile.rootfs.diffIDs == image.configFile.rootfs.diffIDs)

    // index.json carries the names as ref.name annotations.
    let index = try store.readIndex()
    #expect(Set(index.manifests.compactMap { $0.annotations?[AnnotationKey.refName] }) == ["busybox:latest", "rootfs:latest"])

    // Unpacking the same diff ID twice extracts once.
    let layers = try store.unpack("busybox")
    #expect(layers == [store.layerDirectory(image.configFile.rootfs.diffIDs[0])])
    #expect(try String(contentsOfFile: layers[0] + "/etc/hostname", encoding: .utf8) == "sample\n")
    #expect(try store.unpack("rootfs") == layers)
    #expect(tree(s.path + "/root/images/tmp") == [])
  }

  @Test func refusesNonTarInput() throws {
    let s = try Scratch("store")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    let junk = try s.write("junk.tar", Array(repeating: 0x41, count: 2000))
    #expect(throws: GarrisonError.self) { try store.importFile(junk, name: nil) }
    var hostile = TarWriter()
    hostile.file("../escape", "x")
    let bad = try s.write("bad.tar", hostile.finish())
    #expect(throws: GarrisonError.self) { try store.importFile(bad, name: nil) }
    #expect(try store.list().isEmpty)
  }

  @Test func importsOCIArchiveAndHonoursConfig() throws {
    let s = try Scratch("store")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    var base = TarWriter()
    base.file("bin/app", "#!/bin/sh\n", mode: 0o755)
    base.file("etc/motd", "hello\n")
    var top = TarWriter()
    top.file("etc/app.conf", "x=1\n")
    let archive = try OCIArchiveBuilder(layers: [base.finish(), top.finish()], refName: "localhost/app:1.0").build()
    let path = try s.write("app.oci.tar", archive)
    let result = try store.importFile(path, name: nil)
    #expect(result.wasOCIArchive)
    #expect(result.images.map(\.reference.description) == ["localhost/app:1.0"])
    // `app:1.0` finds `localhost/app:1.0`, as podman does.
    let image = try store.resolve("app:1.0")
    #expect(image.config.entrypoint == ["/bin/app"])
    #expect(image.config.processArgs(command: nil, args: nil) == ["/bin/app", "--serve"])
    #expect(image.config.processArgs(command: nil, args: ["--once"]) == ["/bin/app", "--once"])
    #expect(try store.unpack("localhost/app:1.0").count == 2)

    // --name overrides the archive's name; the gzip'd archive is accepted too.
    let gz = try s.write("app.oci.tar.gz", try gzip(archive, in: s))
    _ = try store.importFile(gz, name: try ImageReference(parsing: "other:2"))
    #expect(try store.list().map { "\($0.name):\($0.tag)" } == ["localhost/app:1.0", "other:2"])
  }

  /// A blob whose content does not match its digest, or whose size differs from its descriptor, or that
  /// is missing, makes the whole import fail with the store exactly as it was.
  @Test(arguments: ["content", "size", "missing"])
  func refusesArchiveWithWrongDigest(kind: String) throws {
    let s = try Scratch("store")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    _ = try store.importFile(try s.write("rootfs.tar", sampleRootfsTar()), name: try ImageReference(parsing: "keep"))
    let before = tree(s.path + "/root")
    let indexBefore = try Data(contentsOf: URL(fileURLWithPath: s.path + "/root/images/index.json"))

    var layer = TarWriter()
    layer.file("etc/x", "payload")
    let archive = try OCIArchiveBuilder(layers: [layer.finish()], refName: "bad:1").build { blobs, manifest in
      let hex = manifest.layers[0].digest.hex
      switch kind {
      case "content": blobs[hex]![600] ^= 1
      case "size": manifest.layers[0].size += 1
      default: manifest.layers[0].digest = Digest.of([1, 2, 3])
      }
    }
    let error = #expect(throws: GarrisonError.self) { try store.importFile(try s.write("bad.tar", archive), name: nil) }
    #expect(error?.code == .refused)
    #expect(tree(s.path + "/root") == before)
    #expect(try Data(contentsOf: URL(fileURLWithPath: s.path + "/root/images/index.json")) == indexBefore)
  }

  @Test func detectsLayerThatDoesNotMatchDiffID() throws {
    let s = try Scratch("store")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    var layer = TarWriter()
    layer.file("a", "a")
    var builder = OCIArchiveBuilder(layers: [layer.finish()], refName: "lie:1")
    builder.config.labels = ["k": "v"]
    // The config claims a different diff ID than the layer's content.
    let archive = try builder.build { blobs, manifest in
      var cfg = try! JSONDecoder().decode(ImageConfigFile.self, from: Data(blobs[manifest.config.digest.hex]!))
      cfg.rootfs.diffIDs = [Digest.of([9])]
      let bytes = try! json(cfg)
      blobs.removeValue(forKey: manifest.config.digest.hex)
      manifest.config = Descriptor(mediaType: MediaType.imageConfig, digest: Digest.of(bytes), size: Int64(bytes.count))
      blobs[manifest.config.digest.hex] = bytes
    }
    _ = try store.importFile(try s.write("lie.tar", archive), name: nil)
    let error = #expect(throws: GarrisonError.self) { try store.unpack("lie:1") }
    #expect(error?.code == .refused)
    #expect(tree(s.path + "/root/images/layers") == [])
  }

  @Test func listInspectAndRemove() throws {
    let s = try Scratch("store")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    let archive = try OCIArchiveBuilder(layers: [sampleRootfsTar()], refName: "busybox:1.0").build()
    let imported = try store.importFile(try s.write("a.tar", archive), name: nil)
    _ = try store.importFile(try s.write("rootfs.tar", sampleRootfsTar()), name: try ImageReference(parsing: "localhost/busybox"))
    let rows = try store.list()
    #expect(rows.map(\.name) == ["busybox", "localhost/busybox"])
    let table = ImageListing.table(rows)
    let lines = table.split(separator: "\n")
    #expect(lines[0].hasPrefix("NAME"))
    #expect(lines[0].contains("TAG") && lines[0].contains("DIGEST") && lines[0].contains("SIZE") && lines[0].contains("CREATED"))
    #expect(lines[1].hasPrefix("busybox            1.0     \(imported.images[0].digest.short)"))
    #expect(lines[1].hasSuffix("2026-01-02 03:04:05"))
    #expect(ImageListing.humanSize(512) == "512 B")
    #expect(ImageListing.humanSize(1536) == "1.5 kB")
    #expect(ImageListing.humanSize(2_300_000) == "2.3 MB")

    let inspect = try ImageListing.inspect(store, try store.resolve("busybox:1.0"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.utf8)) as? [String: Any])
    let config = try #require(object["config"] as? [String: Any])
    #expect(config["Entrypoint"] as? [String] == ["/bin/app"])
    #expect(config["User"] as? String == "10001")

    // Both images share the layer; removing one keeps it, removing both collects everything.
    _ = try store.unpack("busybox:1.0")
    #expect(try store.remove("busybox:1.0") == "busybox:1.0")
    #expect(throws: GarrisonError.self) { try store.resolve("busybox:1.0") }
    #expect(tree(s.path + "/root/images/layers").count > 0)
    #expect(try store.remove("busybox") == "localhost/busybox:latest")
    #expect(tree(s.path + "/root/images/blobs/sha256") == [])
    #expect(tree(s.path + "/root/images/layers") == [])
    let missing = #expect(throws: GarrisonError.self) { try store.remove("busybox") }
    #expect(missing?.code == .notFound)
  }

  @Test func rootDefaultsAndEnvironment() {
    #expect(ImageStore.defaultRoot(environment: [:]) == "/var/lib/garrison")
    #expect(ImageStore.defaultRoot(environment: ["GARRISON_ROOT": "/srv/g"]) == "/srv/g")
  }
}

@Suite(.serialized) struct ArchiveLayoutTests {
  /// Archives written by real tools come from `tar -C layout .`: `./`-prefixed names, directory members,
  /// pax headers. Also a symlinked input path is accepted (only store files refuse symlinks).
  @Test func importsLayoutPackedByGNUTar() throws {
    let s = try Scratch("gnutar")
    defer { s.remove() }
    let archive = try OCIArchiveBuilder(layers: [sampleRootfsTar()], refName: "busybox:1.36").build()
    let layout = s.path + "/layout"
    try FileManager.default.createDirectory(atPath: layout, withIntermediateDirectories: false)
    let x = try TestProcess.run("/usr/bin/tar", ["-xf", try s.write("built.tar", archive), "-C", layout])
    #expect(x.status == 0, "\(x.output)")
    let c = try TestProcess.run("/usr/bin/tar", ["--format=posix", "-cf", s.path + "/gnu.tar", "-C", layout, "."])
    #expect(c.status == 0, "\(c.output)")
    try FileManager.default.createSymbolicLink(atPath: s.path + "/link.tar", withDestinationPath: s.path + "/gnu.tar")
    let store = try ImageStore(root: s.path + "/root")
    let result = try store.importFile(s.path + "/link.tar", name: nil)
    #expect(result.wasOCIArchive)
    #expect(result.images.map(\.reference.description) == ["busybox:1.36"])
  }

  /// A multi-platform archive: the index entry points at an image index; the manifest for this platform is
  /// chosen, and only its blobs are stored.
  @Test func choosesThisPlatformFromNestedIndex() throws {
    let s = try Scratch("multiarch")
    defer { s.remove() }
    func image(_ arch: String, _ content: String) throws -> (Descriptor, [String: [UInt8]]) {
      var w = TarWriter()
      w.file("arch", content)
      let layer = w.finish()
      let ld = Descriptor(mediaType: MediaType.layerTar, digest: Digest.of(layer), size: Int64(layer.count))
      let cfg = try json(
        ImageConfigFile(
          created: nil, architecture: arch, os: "linux", config: ImageConfig(cmd: ["/arch"]),
          rootfs: RootFS(diffIDs: [ld.digest])))
      let cd = Descriptor(mediaType: MediaType.imageConfig, digest: Digest.of(cfg), size: Int64(cfg.count))
      let man = try json(ImageManifest(config: cd, layers: [ld]))
      let md = Descriptor(
        mediaType: MediaType.imageManifest, digest: Digest.of(man), size: Int64(man.count),
        platform: Platform(architecture: arch, os: "linux"))
      return (md, [ld.digest.hex: layer, cd.digest.hex: cfg, md.digest.hex: man])
    }
    let here = try image(Platform.current.architecture, "native")
    let other = try image("s390x", "foreign")
    let nested = try json(ImageIndex(manifests: [other.0, here.0]))
    let nd = Descriptor(
      mediaType: MediaType.imageIndex, digest: Digest.of(nested), size: Int64(nested.count),
      annotations: [AnnotationKey.refName: "multi:1"])
    var w = TarWriter()
    w.file("oci-layout", #"{"imageLayoutVersion":"1.0.0"}"#)
    w.append(TarEntry(path: "index.json", kind: .regular), data: try json(ImageIndex(manifests: [nd])))
    for (hex, bytes) in here.1.merging(other.1, uniquingKeysWith: { a, _ in a }).merging(
      [nd.digest.hex: nested], uniquingKeysWith: { a, _ in a })
    {
      w.append(TarEntry(path: "blobs/sha256/" + hex, kind: .regular), data: bytes)
    }
    let store = try ImageStore(root: s.path + "/root")
    _ = try store.importFile(try s.write("multi.tar", w.finish()), name: nil)
    let imported = try store.resolve("multi:1")
    #expect(imported.manifestDescriptor.digest == here.0.digest)
    #expect(Set(tree(s.path + "/root/images/blobs/sha256")) == Set(here.1.keys))
    let layers = try store.unpack(imported)
    #expect(try String(contentsOfFile: layers[0] + "/arch", encoding: .utf8) == "native")
  }

  @Test func refusesDockerSaveArchive() throws {
    let s = try Scratch("docker")
    defer { s.remove() }
    var w = TarWriter()
    w.file("manifest.json", "[]")
    w.file("repositories", "{}")
    let store = try ImageStore(root: s.path + "/root")
    let error = #expect(throws: GarrisonError.self) { try store.importFile(try s.write("d.tar", w.finish()), name: nil) }
    #expect(error?.message.contains("docker save") == true)
  }
}
