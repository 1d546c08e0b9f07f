import Foundation
import GarrisonCore
import GarrisonImages
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite(.serialized) struct OverlayTests {
  @Test func prepareOverlayOrdersLayersTopFirst() throws {
    let s = try Scratch("overlay")
    defer { s.remove() }
    let m = try RootfsBuilder.prepareOverlay(layers: ["/l/base", "/l/mid", "/l/top"], containerDir: s.path + "/c1")
    #expect(m.lowerdirs == ["/l/top", "/l/mid", "/l/base"])
    #expect(m.options == "lowerdir=/l/top:/l/mid:/l/base,upperdir=\(s.path)/c1/upper,workdir=\(s.path)/c1/work")
    #expect(m.merged == s.path + "/c1/merged")
    for d in ["upper", "work", "merged"] { #expect(FileManager.default.fileExists(atPath: s.path + "/c1/" + d)) }
    #expect(throws: GarrisonError.self) { try RootfsBuilder.prepareOverlay(layers: ["/a:b"], containerDir: s.path + "/c2") }
    #expect(throws: GarrisonError.self) { try RootfsBuilder.prepareOverlay(layers: [], containerDir: s.path + "/c3") }
  }

  /// Mounts a real overlay of two unpacked layers in a private mount namespace and checks that the upper
  /// layer's whiteout hides a lower file and its opaque directory hides the lower directory's contents.
  @Test(.enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
                 "mounting overlayfs in a new mount namespace needs root and unshare(1)"))
  func whiteoutsHideLowerFilesWhenMounted() throws {
    let s = try Scratch("overlay")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    var base = TarWriter()
    base.file("etc/motd", "base motd\n")
    base.file("etc/keep", "kept\n")
    base.file("cache/old", "old\n")
    var top = TarWriter()
    top.file("etc/.wh.motd", "")
    top.directory("cache")
    top.file("cache/.wh..wh..opq", "")
    top.file("cache/new", "new\n")
    let archive = try OCIArchiveBuilder(layers: [base.finish(), top.finish()], refName: "wh:1").build()
    _ = try store.importFile(try s.write("wh.tar", archive), name: nil)
    let layers = try store.unpack("wh:1")
    let m = try RootfsBuilder.prepareOverlay(layers: layers, containerDir: s.path + "/c")
    let result = try RootfsBuilder.mountOverlay(m, running: ["/bin/sh", "-c", "ls etc cache; cat etc/keep"])
    #expect(result.status == 0, "\(result.output)")
    let words = result.output.split(whereSeparator: \.isNewline).map(String.init)
    #expect(words.contains("keep") && words.contains("new") && words.contains("kept"))
    #expect(!words.contains("motd") && !words.contains("old"), "\(words)")
    // The mount lived only in the child's namespace.
    let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
    #expect(!mounts.contains(m.merged))
  }
}
