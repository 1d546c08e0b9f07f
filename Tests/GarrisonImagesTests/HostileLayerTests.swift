import Foundation
import GarrisonCore
import GarrisonImages
import GarrisonKernel
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Regression tests for issue 13's hostile images: each layer here was written to break out of the extraction
/// directory, crash the store or hang it. Canaries sit beside the extraction root; they must stay as they were.
@Suite(.serialized) struct HostileLayerTests {
  /// A scratch dir with `root/` (the extraction target) and `outside/passwd` (the canary).
  struct Arena {
    let scratch: Scratch
    var root: String { scratch.path + "/root" }
    var outside: String { scratch.path + "/outside" }
    init() throws {
      scratch = try Scratch("hostile-layer")
      for d in [root, outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: false) }
      try Data("original".utf8).write(to: URL(fileURLWithPath: outside + "/passwd"))
    }
    /// Everything outside `root/`, with sizes and modes: what no extraction may change.
    func outsideState() -> [String] {
      tree(scratch.path).filter { $0 != "root" && !$0.hasPrefix("root/") }.map { name in
        var st = stat()
        _ = lstat(scratch.path + "/" + name, &st)
        return "\(name) \(st.st_mode) \(st.st_size) \(st.st_nlink) \(st.st_uid)"
      }
    }
    func extract(_ archive: [UInt8]) throws {
      try LayerExtractor(directory: root).extract(TarReader(source: MemorySource(archive)))
    }
  }

  /// A pax name longer than 100 bytes forces a pax `path`/`linkpath` record, which keeps the NUL byte.
  static let padding = String(repeating: "p", count: 120)

  /// `..` followed by a NUL byte: a Swift `== ".."` test misses it, openat() stops at the NUL and climbs.
  @Test(arguments: [
    "..\u{0}/outside/\(padding)", "..\u{0}x/..\u{0}/outside/\(padding)", "a/..\u{0}/../outside/\(padding)",
    "\u{0}/\(padding)", "ok/\(padding)\u{0}",
  ])
  func nulInMemberPathIsRefused(path: String) throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    let before = a.outsideState()
    for kind in [TarEntry.Kind.regular, .directory, .symbolicLink, .fifo] {
      var w = TarWriter()
      w.append(
        TarEntry(path: path, kind: kind, mode: 0o4755, linkName: kind == .symbolicLink ? "/etc/shadow" : ""),
        data: kind == .regular ? Array("evil".utf8) : [])
      let error = #expect(throws: GarrisonError.self) { try a.extract(w.finish()) }
      #expect(error?.code == .refused)
      #expect(error?.message.contains("NUL") == true)
    }
    #expect(a.outsideState() == before)
  }

  /// The same trick in a whiteout and in a hard link's target: no removal and no link outside the layer.
  @Test func nulInWhiteoutAndLinkTargetIsRefused() throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    let before = a.outsideState()
    var whiteout = TarWriter()
    whiteout.append(TarEntry(path: "..\u{0}/outside/.wh.passwd\(Self.padding)", kind: .regular))
    #expect(throws: GarrisonError.self) { try a.extract(whiteout.finish()) }
    var hard = TarWriter()
    hard.append(TarEntry(path: "stolen", kind: .hardLink, linkName: "..\u{0}/outside/passwd/\(Self.padding)"))
    #expect(throws: GarrisonError.self) { try a.extract(hard.finish()) }
    var hard2 = TarWriter()
    hard2.append(TarEntry(path: "stolen", kind: .hardLink, linkName: "..\u{0}/outside/passwd" + String(repeating: "/.", count: 60)))
    #expect(throws: GarrisonError.self) { try a.extract(hard2.finish()) }
    var symlink = TarWriter()
    symlink.append(TarEntry(path: "s", kind: .symbolicLink, linkName: "/etc/\u{0}" + Self.padding))
    #expect(throws: GarrisonError.self) { try a.extract(symlink.finish()) }
    #expect(a.outsideState() == before)
    #expect(try String(contentsOfFile: a.outside + "/passwd", encoding: .utf8) == "original")
  }

  /// The classic escapes still hold: `..`, a symlinked parent (absolute and relative), a hard link out.
  @Test func classicEscapesStillHold() throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    let before = a.outsideState()
    var cases: [TarWriter] = []
    var w = TarWriter(); w.file("../outside/x", "evil"); cases.append(w)
    w = TarWriter(); w.symlink("l", to: a.outside); w.file("l/passwd", "evil"); cases.append(w)
    w = TarWriter(); w.symlink("r", to: "../outside"); w.file("r/new", "evil"); cases.append(w)
    w = TarWriter(); w.symlink("d", to: "../../.."); w.directory("d/tmp/garrison-escape"); cases.append(w)
    w = TarWriter(); w.append(TarEntry(path: "h", kind: .hardLink, linkName: "../outside/passwd")); cases.append(w)
    w = TarWriter(); w.symlink("p", to: "/proc/self/root"); w.file("p/\(a.outside.dropFirst())/y", "evil"); cases.append(w)
    for var c in cases {
      #expect(throws: GarrisonError.self) { try a.extract(c.finish()) }
    }
    #expect(a.outsideState() == before)
  }

  /// A later member may replace a directory with a file or a symlink (a fuzz seed found this failing): the
  /// directory's deferred mode and times are then not applied, and nothing goes through the symlink.
  @Test func replacingADirectoryWithAFileOrSymlink() throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    let before = a.outsideState()
    var w = TarWriter()
    w.directory("x", mode: 0o644)
    w.file("x/y", "1")
    w.file("x", "now a file")
    w.directory("d")
    w.symlink("d", to: a.outside)
    try a.extract(w.finish())
    #expect(try String(contentsOfFile: a.root + "/x", encoding: .utf8) == "now a file")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: a.root + "/d") == a.outside)
    #expect(a.outsideState() == before)
  }

  @Test func overLongNamesAreRefused() throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    var component = TarWriter()
    component.file(String(repeating: "c", count: 256), "x")
    #expect(throws: GarrisonError.self) { try a.extract(component.finish()) }
    var deep = TarWriter()
    deep.file(Array(repeating: "d", count: 2100).joined(separator: "/"), "x")
    let e = #expect(throws: GarrisonError.self) { try a.extract(deep.finish()) }
    #expect(e?.message.contains("longer than 4095") == true)
  }

  /// GNU base-256 ids and pax ids beyond 32 bits used to trap (an out-of-range slice, `uid_t(...)`): now they
  /// are a clean "malformed tar" error, or read correctly when they fit.
  @Test func hugeNumericFieldsAreErrorsNotCrashes() throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    var w = TarWriter()
    w.file("f", "x")
    let plain = w.finish()
    // uid 7 in base-256 (8-byte field) reads as 7.
    let seven = patched(plain, offset: 108, bytes: [0x80, 0, 0, 0, 0, 0, 0, 7])
    #expect(try TarReader(source: MemorySource(seven)).next()?.uid == 7)
    // 2^40 in base-256: out of range for a uid.
    let huge = patched(plain, offset: 108, bytes: [0x80, 0, 0, 1, 0, 0, 0, 0])
    #expect(throws: GarrisonError.self) { try TarReader(source: MemorySource(huge)).next() }
    // A negative base-256 size.
    let negative = patched(plain, offset: 124, bytes: [0xff] + Array(repeating: 0xff, count: 11))
    #expect(throws: GarrisonError.self) { try TarReader(source: MemorySource(negative)).next() }
    // Pax ids above 2^32-2.
    for value in ["4294967295", "4294967296", "99999999999999999999", "-1"] {
      let archive = paxArchive(["uid": value])
      #expect(throws: GarrisonError.self) { try a.extract(archive) }
    }
    // A size near Int64.max would overflow the padding arithmetic.
    #expect(throws: GarrisonError.self) { try a.extract(paxArchive(["size": "9223372036854775807"])) }
  }

  /// A removal of a tree far deeper than any stack allows (the extractor refuses such paths, but a container can
  /// make one in its writable layer) completes, iteratively, and leaves nothing behind.
  @Test func removesVeryDeepTreesWithoutRecursion() throws {
    let a = try Arena()
    defer { a.scratch.remove() }
    var fd = open(a.root, O_RDONLY | O_DIRECTORY)
    for _ in 0..<30_000 {
      #expect(mkdirat(fd, "d", 0o755) == 0)
      let next = openat(fd, "d", O_RDONLY | O_DIRECTORY)
      close(fd)
      fd = next
    }
    #expect(mknodat(fd, "fifo", S_IFIFO | 0o600, 0) == 0)
    close(fd)
    let parent = try ContainedDirectory(path: a.scratch.path)
    try parent.remove("root")
    #expect(!FileManager.default.fileExists(atPath: a.root))
    #expect(tree(a.scratch.path) == ["outside", "outside/passwd"])
  }

  /// Overwrites `bytes` at `offset` in the first header and fixes its checksum.
  func patched(_ archive: [UInt8], offset: Int, bytes: [UInt8]) -> [UInt8] {
    var out = archive
    out.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    for i in 148..<156 { out[i] = UInt8(ascii: " ") }
    let sum = out[0..<512].reduce(0) { $0 + Int($1) }
    let text = Array(String(sum, radix: 8).utf8)
    let field = Array(repeating: UInt8(ascii: "0"), count: 6 - text.count) + text + [0, UInt8(ascii: " ")]
    out.replaceSubrange(148..<156, with: field)
    return out
  }

  /// One regular member `f` preceded by a pax header holding `records`.
  func paxArchive(_ records: [String: String]) -> [UInt8] {
    var body: [UInt8] = []
    for (k, v) in records.sorted(by: { $0.key < $1.key }) {
      let rest = " \(k)=\(v)\n"
      var length = rest.utf8.count + 1
      while String(length).utf8.count + rest.utf8.count != length { length += 1 }
      body += Array("\(length)\(rest)".utf8)
    }
    var w = TarWriter()
    w.file("f", "x")
    let member = w.finish()
    var header = [UInt8](repeating: 0, count: 512)
    header.replaceSubrange(0..<8, with: Array("PaxHdr\0\0".utf8))
    header.replaceSubrange(100..<108, with: Array("0000644\0".utf8))
    let size = Array(String(body.count, radix: 8).utf8)
    header.replaceSubrange(124..<136, with: Array(repeating: UInt8(ascii: "0"), count: 11 - size.count) + size + [0])
    header[156] = UInt8(ascii: "x")
    header.replaceSubrange(257..<263, with: Array("ustar\0".utf8))
    header.replaceSubrange(263..<265, with: Array("00".utf8))
    let fixed = patched(header + [UInt8](repeating: 0, count: 512), offset: 0, bytes: Array(header[0..<8]))
    let padded = body + [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
    return Array(fixed[0..<512]) + padded + member
  }
}

/// Issue 13: unpacked layers were world-reachable (root, images/ and layers/ 0755), a root pre-created by another
/// user was trusted, and a crashed command's staging stayed forever.
@Suite(.serialized) struct StorePermissionTests {
  func mode(_ path: String) -> UInt32 {
    var st = stat()
    return lstat(path, &st) == 0 ? UInt32(st.st_mode) & 0o7777 : 0
  }

  @Test func storeDirectoriesAreOwnerOnly() throws {
    let s = try Scratch("store-perms")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    #expect(mode(store.root) == 0o711)
    for sub in ["images", "images/blobs", "images/blobs/sha256", "images/layers", "images/tmp"] {
      #expect(mode(store.root + "/" + sub) == 0o700, "\(sub)")
    }
    // An older store made 0755 is tightened on open.
    #expect(chmod(store.root + "/images/layers", 0o755) == 0)
    _ = try ImageStore(root: s.path + "/root")
    #expect(mode(store.root + "/images/layers") == 0o700)
  }

  @Test func groupOrWorldWritableDirectoriesAreRefused() throws {
    let s = try Scratch("store-writable")
    defer { s.remove() }
    _ = try ImageStore(root: s.path + "/root")
    #expect(chmod(s.path + "/root/images", 0o777) == 0)
    let e = #expect(throws: GarrisonError.self) { try ImageStore(root: s.path + "/root") }
    #expect(e?.code == .refused)
    #expect(e?.message.contains("writable by group or others") == true)
  }

  @Test(.enabled(if: isRoot, "chown to another user needs root"))
  func aRootOwnedBySomeoneElseIsRefused() throws {
    let s = try Scratch("store-owner")
    defer { s.remove() }
    let root = s.path + "/root"
    #expect(mkdir(root, 0o700) == 0)
    #expect(chown(root, 65534, 65534) == 0)
    let e = #expect(throws: GarrisonError.self) { try ImageStore(root: root) }
    #expect(e?.code == .refused)
    #expect(e?.message.contains("owned by uid 65534") == true)
    // A symlinked root is refused too.
    #expect(symlink(s.path, s.path + "/link") == 0)
    #expect(throws: GarrisonError.self) { try ImageStore(root: s.path + "/link") }
  }

  @Test func staleStagingIsRemovedAndLiveStagingKept() throws {
    let s = try Scratch("store-staging")
    defer { s.remove() }
    let store = try ImageStore(root: s.path + "/root")
    let dead = "import-2147483000-0E2B7F0C-1111-2222-3333-444455556666"
    let live = "import-\(getpid())-0E2B7F0C-1111-2222-3333-444455556666"
    let deadLayer = ".tmp-0123456789ab-2147483000-0E2B7F0C-1111-2222-3333-444455556666"
    for path in [
      "images/tmp/\(dead)/deep/er", "images/tmp/\(live)/x", "images/layers/\(deadLayer)/etc",
      "images/layers/.garrison-rm-2147483000-1/y",
    ] {
      try FileManager.default.createDirectory(atPath: store.root + "/" + path, withIntermediateDirectories: true)
    }
    _ = try ImageStore(root: s.path + "/root")
    let fm = FileManager.default
    #expect(!fm.fileExists(atPath: store.root + "/images/tmp/" + dead))
    #expect(fm.fileExists(atPath: store.root + "/images/tmp/" + live))
    #expect(!fm.fileExists(atPath: store.root + "/images/layers/" + deadLayer))
    #expect(!fm.fileExists(atPath: store.root + "/images/layers/.garrison-rm-2147483000-1"))
  }
}
