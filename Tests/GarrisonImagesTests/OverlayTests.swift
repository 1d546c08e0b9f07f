import Foundation
import GarrisonCore
import GarrisonImages
import GarrisonTestSupport
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
  @Test(
    .enabled(
      if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
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

/// End to end: a busybox rootfs packed by GNU tar is imported, unpacked, mounted as an overlay and run.
@Suite struct BusyboxImageTests {
  @Test(
    .enabled(
      if: isRoot && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
        && FileManager.default.isExecutableFile(atPath: "/usr/sbin/chroot"),
      "needs root (overlay mount, chroot) and busybox-static from scripts/setup.sh"))
  func busyboxRunsFromUnpackedLayers() throws {
    let s = try Scratch("busybox")
    defer { s.remove() }
    let rootfs = s.path + "/rootfs"
    for d in ["bin", "etc", "tmp"] {
      try FileManager.default.createDirectory(atPath: rootfs + "/" + d, withIntermediateDirectories: true)
    }
    try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
    for applet in ["sh", "id", "cat", "ls", "wc"] {
      try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/" + applet, withDestinationPath: "busybox")
    }
    try Data("root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/:/bin/sh\n".utf8).write(to: URL(fileURLWithPath: rootfs + "/etc/passwd"))
    try Data("root:x:0:\napp:x:10001:\n".utf8).write(to: URL(fileURLWithPath: rootfs + "/etc/group"))
    let tar = try TestProcess.run(
      "/usr/bin/tar", ["--format=posix", "--numeric-owner", "-C", rootfs, "-czf", s.path + "/bb.tar.gz", "."])
    #expect(tar.status == 0, "\(tar.output)")
    let store = try ImageStore(root: s.path + "/root")
    _ = try store.importFile(s.path + "/bb.tar.gz", name: try ImageReference(parsing: "busybox"))
    let image = try store.resolve("busybox")
    let layers = try store.unpack(image)
    let m = try RootfsBuilder.prepareOverlay(layers: layers, containerDir: s.path + "/c")
    // No Entrypoint in a rootfs import: `args` alone would replace Cmd, so the shell comes from `command`.
    #expect(image.config.processArgs(command: nil, args: ["-c", "true"]) == ["-c", "true"])
    let argv = image.config.processArgs(command: ["/bin/sh"], args: ["-c", "id -u; cat /etc/passwd | wc -l; echo hi > /tmp/x"])
    #expect(argv == ["/bin/sh", "-c", "id -u; cat /etc/passwd | wc -l; echo hi > /tmp/x"])
    let result = try RootfsBuilder.mountOverlay(m, running: ["/usr/sbin/chroot", "."] + argv)
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == ["0", "2"])
    // Writes land in the container's upper directory, never in the shared layer.
    #expect(try String(contentsOfFile: m.upperdir + "/tmp/x", encoding: .utf8) == "hi\n")
    #expect(!FileManager.default.fileExists(atPath: layers[0] + "/tmp/x"))
  }
}
