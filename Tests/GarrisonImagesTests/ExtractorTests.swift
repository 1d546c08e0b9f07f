import CXattr
import Foundation
import GarrisonCore
import GarrisonImages
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite(.serialized) struct ExtractorTests {
  func extract(_ archive: [UInt8], into dir: String) throws -> LayerExtractor.Summary {
    let e = try LayerExtractor(directory: dir)
    try e.extract(TarReader(source: MemorySource(archive)))
    return e.summary
  }

  @Test func extractsFilesLinksAndModes() throws {
    let s = try Scratch("extract")
    defer { s.remove() }
    let target = s.path + "/root"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    var w = TarWriter()
    w.directory("etc", mode: 0o750)
    w.append(TarEntry(path: "etc/shadow", kind: .regular, mode: 0o640, uid: 0, gid: 42, modificationTime: 1_000_000), data: Array("s".utf8))
    w.append(TarEntry(path: "bin/su", kind: .regular, mode: 0o4755), data: Array("su".utf8))  // parent made implicitly
    w.symlink("etc/localtime", to: "/usr/share/zoneinfo/UTC")  // stored verbatim, not followed
    w.append(TarEntry(path: "etc/hard", kind: .hardLink, linkName: "etc/shadow"))
    w.append(TarEntry(path: "dev/null", kind: .characterDevice, mode: 0o666, deviceMajor: 1, deviceMinor: 3))
    let summary = try extract(w.finish(), into: target)
    #expect(try String(contentsOfFile: target + "/etc/shadow", encoding: .utf8) == "s")
    let attrs = try FileManager.default.attributesOfItem(atPath: target + "/etc/shadow")
    #expect((attrs[.posixPermissions] as? Int) == 0o640)
    #expect((attrs[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_000_000)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/etc/localtime") == "/usr/share/zoneinfo/UTC")
    #expect((try FileManager.default.attributesOfItem(atPath: target + "/etc")[.posixPermissions] as? Int) == 0o750)
    var a = stat(), b = stat()
    #expect(stat(target + "/etc/shadow", &a) == 0 && stat(target + "/etc/hard", &b) == 0 && a.st_ino == b.st_ino)
    if isRoot {
      #expect(a.st_gid == 42)
      #expect((lstatMode(target + "/bin/su") ?? 0) & 0o7777 == 0o4755)
      #expect((lstatMode(target + "/dev/null") ?? 0) & S_IFMT == S_IFCHR)
      #expect(summary.skippedDevices == 0)
    } else {
      print("not root: ownership and device nodes are not preserved; checking the device was skipped")
      #expect(summary.skippedDevices == 1)
    }
  }

  /// Hostile members never write outside the target: `..` is refused, absolute paths are re-rooted,
  /// and a path through a symlink is refused instead of followed.
  @Test func hostileMembersStayInside() throws {
    let s = try Scratch("hostile")
    defer { s.remove() }
    let target = s.path + "/root"
    let outside = s.path + "/outside"
    for d in [target, outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: false) }
    try Data("original".utf8).write(to: URL(fileURLWithPath: outside + "/passwd"))
    let before = tree(s.path)

    var dotdot = TarWriter()
    dotdot.file("../outside/x", "evil")
    #expect(throws: GarrisonError.self) { try extract(dotdot.finish(), into: target) }

    var viaLink = TarWriter()
    viaLink.symlink("a", to: outside)
    viaLink.file("a/passwd", "evil")
    let e1 = #expect(throws: GarrisonError.self) { try extract(viaLink.finish(), into: target) }
    #expect(e1?.code == .refused)
    #expect(try String(contentsOfFile: outside + "/passwd", encoding: .utf8) == "original")

    var relLink = TarWriter()
    relLink.symlink("b", to: "../outside")
    relLink.file("b/new", "evil")
    #expect(throws: GarrisonError.self) { try extract(relLink.finish(), into: target + "/") }

    // A hard link may not reach outside, and a file replacing a symlink is written as a new file.
    var hard = TarWriter()
    hard.append(TarEntry(path: "h", kind: .hardLink, linkName: "../outside/passwd"))
    #expect(throws: GarrisonError.self) { try extract(hard.finish(), into: target) }
    var replace = TarWriter()
    replace.symlink("c", to: outside + "/passwd")
    replace.file("c", "replaced")
    _ = try extract(replace.finish(), into: target)
    #expect(lstatMode(target + "/c").map { $0 & S_IFMT == S_IFREG } == true)

    var absolute = TarWriter()
    absolute.file("/etc/x", "inside")
    _ = try extract(absolute.finish(), into: target)
    #expect(try String(contentsOfFile: target + "/etc/x", encoding: .utf8) == "inside")

    #expect(try String(contentsOfFile: outside + "/passwd", encoding: .utf8) == "original")
    #expect(tree(outside) == ["passwd"])
    #expect(tree(s.path).filter { !$0.hasPrefix("root") } == before.filter { !$0.hasPrefix("root") })
  }

  @Test(.enabled(if: isRoot, "whiteouts are character devices 0/0 and trusted.* xattrs: both need root"))
  func whiteoutsBecomeOverlayForm() throws {
    let s = try Scratch("whiteout")
    defer { s.remove() }
    let target = s.path + "/root"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    var w = TarWriter()
    w.directory("etc")
    w.file("etc/.wh.motd", "")
    w.directory("var/cache")
    w.file("var/cache/.wh..wh..opq", "")
    w.file("var/cache/new", "n")
    let summary = try extract(w.finish(), into: target)
    #expect(summary.whiteouts == 1 && summary.opaqueDirectories == 1)
    var st = stat()
    #expect(lstat(target + "/etc/motd", &st) == 0)
    #expect(st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0)
    #expect(!FileManager.default.fileExists(atPath: target + "/etc/.wh.motd"))
    var value = [UInt8](repeating: 0, count: 8)
    let n = lgetxattr(target + "/var/cache", "trusted.overlay.opaque", &value, value.count)
    #expect(n == 1 && value[0] == UInt8(ascii: "y"))
    #expect(FileManager.default.fileExists(atPath: target + "/var/cache/new"))
    #expect(!FileManager.default.fileExists(atPath: target + "/var/cache/.wh..wh..opq"))
  }

  @Test func refusesTrustedXattrs() throws {
    // A layer must not be able to set trusted.overlay.* (e.g. redirect) itself: such xattrs are ignored.
    let s = try Scratch("xattr")
    defer { s.remove() }
    let target = s.path + "/root"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    var w = TarWriter()
    w.append(TarEntry(path: "f", kind: .regular, xattrs: ["trusted.overlay.redirect": Array("/etc".utf8)]), data: [1])
    _ = try extract(w.finish(), into: target)
    var value = [UInt8](repeating: 0, count: 16)
    #expect(lgetxattr(target + "/f", "trusted.overlay.redirect", &value, value.count) < 0)
  }
}

@Suite struct UnprivilegedExtractorTests {
  /// As a non-root caller (simulated with `asRoot: false`): devices are skipped, ownership is not applied,
  /// and a whiteout — which overlayfs can only see as a 0/0 device — is refused rather than dropped.
  @Test func devicesSkippedAndWhiteoutsRefused() throws {
    let s = try Scratch("unpriv")
    defer { s.remove() }
    let target = s.path + "/root"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
    var w = TarWriter()
    w.append(TarEntry(path: "dev/sda", kind: .blockDevice, mode: 0o660, deviceMajor: 8, deviceMinor: 0))
    w.append(TarEntry(path: "owned", kind: .regular, uid: 4242, gid: 4242), data: [0])
    let e = try LayerExtractor(directory: target, asRoot: false)
    try e.extract(TarReader(source: MemorySource(w.finish())))
    #expect(e.summary.skippedDevices == 1)
    #expect(!FileManager.default.fileExists(atPath: target + "/dev/sda"))
    var st = stat()
    #expect(lstat(target + "/owned", &st) == 0 && st.st_uid == geteuid())

    var wh = TarWriter()
    wh.file(".wh.gone", "")
    let e2 = try LayerExtractor(directory: target, asRoot: false)
    let error = #expect(throws: GarrisonError.self) { try e2.extract(TarReader(source: MemorySource(wh.finish()))) }
    #expect(error?.code == .unenforceable)
  }
}
