import GarrisonImages

#if canImport(Glibc)
  import Glibc
#endif

/// TarReader + LayerExtractor, extracting each input into a scratch layer directory and trapping if anything
/// outside it changed.
///
/// Layout of the scratch directory S (`$GARRISON_FUZZ_SCRATCH`, else a fresh `/var/tmp/garrison-fuzz-tar.XXXXXX`):
/// `S/layer/` is the extraction root, emptied before every input; next to it are canaries (a file, a directory
/// with a file, a symlink, a fifo). The extraction runs chrooted into S, so a member that escapes the layer
/// (`..`, a followed symlink, an absolute path) lands in S, where the check sees it, and can never touch the
/// host, however many levels it climbs. After each input the harness leaves the chroot (through a descriptor
/// of the real root) and compares every entry of S but `layer/` (type, mode, owner, inode, link count, size,
/// mtime and ctime, link target), S itself included, with the snapshot taken at start.
///
/// Needs root (chroot; LayerExtractor also creates devices and sets owners only as root, as in CI). The input is
/// first read by a TarReader alone, outside the chroot, so a crash in the reader leaves libFuzzer's artifact
/// where it expects it; header checksums are recomputed first, so mutations are not all lost to them.
enum TarTarget {
  static let target = FuzzTarget(
    "tar", "TarReader + LayerExtractor as root, chrooted into a scratch directory; nothing outside the layer may change",
    setUp: setUp, run: run)

  nonisolated(unsafe) static var scratch = ""
  nonisolated(unsafe) static var realRoot: Int32 = -1
  nonisolated(unsafe) static var realCwd: Int32 = -1
  nonisolated(unsafe) static var snapshot: [String: String] = [:]

  static func setUp() {
    guard geteuid() == 0 else {
      FuzzDriver.die("the tar target needs root: it chroots into its scratch directory so an escaping member cannot reach the host")
    }
    if let s = getenv("GARRISON_FUZZ_SCRATCH") {
      scratch = String(cString: s)
      if mkdir(scratch, 0o755) != 0 && errno != EEXIST { FuzzDriver.die("mkdir \(scratch): \(String(cString: strerror(errno)))") }
    } else {
      var template = Array("/var/tmp/garrison-fuzz-tar.XXXXXX".utf8CString)
      guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { FuzzDriver.die("mkdtemp failed") }
      scratch = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      atexit {  // a directory of our own making goes at a normal exit (a finding keeps it for inspection)
        TarTarget.removeContents(of: TarTarget.scratch)
        rmdir(TarTarget.scratch)
      }
    }
    // Canaries next to the layer.
    mkdir(scratch + "/layer", 0o755)
    mkdir(scratch + "/canary-dir", 0o755)
    for (path, text) in [("canary-file", "canary\n"), ("canary-dir/inner", "inner\n")] {
      let fd = open(scratch + "/" + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
      guard fd >= 0 else { FuzzDriver.die("cannot create canary \(path)") }
      _ = text.withCString { write(fd, $0, strlen($0)) }
      close(fd)
    }
    symlink("canary-file", scratch + "/canary-link")
    mkfifo(scratch + "/canary-fifo", 0o644)
    // libFuzzer writes crash artifacts while the process is chrooted if the crash happens there: give its
    // artifact directory a place inside S too (scripts/fuzz.sh collects from both).
    if let prefix = FuzzDriver.artifactPrefix, prefix.hasPrefix("/") {
      var dir = scratch
      for part in prefix.split(separator: "/").dropLast(prefix.hasSuffix("/") ? 0 : 1) {
        dir += "/" + part
        mkdir(dir, 0o755)
      }
    }
    removeContents(of: scratch + "/layer")
    realRoot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    realCwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard realRoot >= 0, realCwd >= 0 else { FuzzDriver.die("cannot open / and .") }
    snapshot = fingerprint()
    FuzzDriver.printError("garrison-fuzz: tar scratch directory \(scratch)")
  }

  static func run(_ input: UnsafeRawBufferPointer) -> Bool {
    var bytes = Array(input)
    fixChecksums(&bytes)
    let chunk = [509, 4096, 65536][bytes.count % 3]
    // 1. The reader alone (outside the chroot).
    bytes.withUnsafeBytes { buf in
      let reader = TarReader(source: MemorySource(buf, chunk: chunk))
      do {
        while try reader.next() != nil { _ = try reader.readAll() }
        try reader.finish()
      } catch {}
    }
    // 2. The extraction, chrooted into the scratch directory.
    removeContents(of: scratch + "/layer")
    guard chdir(scratch) == 0, chroot(".") == 0 else { FuzzDriver.die("chroot \(scratch): \(String(cString: strerror(errno)))") }
    let extracted = bytes.withUnsafeBytes { buf in
      do {
        let extractor = try LayerExtractor(directory: "/layer")
        try extractor.extract(TarReader(source: MemorySource(buf, chunk: chunk)))
        return true
      } catch { return false }
    }
    guard fchdir(realRoot) == 0, chroot(".") == 0, fchdir(realCwd) == 0 else {
      FuzzDriver.die("cannot leave the chroot: \(String(cString: strerror(errno)))")
    }
    // 3. Nothing outside the layer changed.
    let now = fingerprint()
    if now != snapshot {
      var diff: [String] = []
      for key in Set(now.keys).union(snapshot.keys).sorted() where now[key] != snapshot[key] {
        diff.append("\(key): \(snapshot[key] ?? "absent") -> \(now[key] ?? "absent")")
      }
      FuzzDriver.fail("extraction changed the scratch directory outside the layer:\n  " + diff.joined(separator: "\n  "))
    }
    return extracted
  }

  // MARK: - Checksums

  /// Walks the archive's headers as a reader would and writes each one's correct checksum.
  static func fixChecksums(_ b: inout [UInt8]) {
    var at = 0
    while at + 512 <= b.count {
      if b[at..<(at + 512)].allSatisfy({ $0 == 0 }) { return }
      var sum = 0
      for i in 0..<512 { sum += (148..<156).contains(i) ? 0x20 : Int(b[at + i]) }
      let digits = Array(String(sum, radix: 8).utf8)
      let field = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 6 - digits.count)) + digits.suffix(6) + [0, 0x20]
      for i in 0..<8 { b[at + 148 + i] = field[i] }
      var size = 0
      for c in b[(at + 124)..<(at + 136)] {
        if c == 0 || c == 0x20 { if size > 0 { break } else { continue } }
        guard c >= 0x30 && c <= 0x37, size < 1 << 40 else { break }
        size = size * 8 + Int(c - 0x30)
      }
      at += 512 + (size + 511) / 512 * 512
    }
  }

  // MARK: - The scratch directory

  /// `relative path → "type mode uid:gid ino nlink size mtime ctime [-> target]"` for S and everything in it
  /// but `layer/`'s contents (the layer directory's own entry is kept: it must still be a directory).
  static func fingerprint() -> [String: String] {
    var out: [String: String] = [:]
    func visit(_ dirFD: Int32, _ name: String, _ rel: String) {
      var st = stat()
      guard fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
        out[rel] = "unreadable errno \(errno)"
        return
      }
      let type = st.st_mode & S_IFMT
      var line =
        "\(String(st.st_mode, radix: 8)) \(st.st_uid):\(st.st_gid) \(st.st_ino) \(st.st_nlink) \(st.st_size) "
        + "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
      if rel == "layer" {
        out[rel] = String(type, radix: 8)  // its times change with every extraction
        return
      }
      if type == S_IFLNK {
        var target = [CChar](repeating: 0, count: 4096)
        let n = readlinkat(dirFD, name, &target, target.count)
        line += " -> " + String(decoding: target.prefix(max(0, n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      }
      out[rel] = line
      guard type == S_IFDIR else { return }
      let fd = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      guard fd >= 0, let d = fdopendir(fd) else {
        out[rel]! += " unopenable"
        return
      }
      defer { closedir(d) }
      var names: [String] = []
      while let e = readdir(d) {
        let n = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if n != "." && n != ".." { names.append(n) }
      }
      for n in names { visit(fd, n, rel == "." ? n : rel + "/" + n) }
    }
    visit(AT_FDCWD, scratch, ".")
    return out
  }

  /// Empties a directory without following symlinks (what the extraction made of the layer).
  static func removeContents(of path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { FuzzDriver.die("cannot open \(path): \(String(cString: strerror(errno)))") }
    removeChildren(fd)
    close(fd)
  }

  private static func removeChildren(_ fd: Int32) {
    let dup = dup(fd)
    guard dup >= 0, let d = fdopendir(dup) else { FuzzDriver.die("fdopendir: \(String(cString: strerror(errno)))") }
    var children: [(String, Bool)] = []
    while let e = readdir(d) {
      let n = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if n != "." && n != ".." { children.append((n, e.pointee.d_type == UInt8(DT_DIR))) }
    }
    closedir(d)
    for (name, isDir) in children {
      if isDir {
        let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else { FuzzDriver.die("cannot open \(name) to remove it") }
        removeChildren(child)
        close(child)
        guard unlinkat(fd, name, AT_REMOVEDIR) == 0 else { FuzzDriver.die("rmdir \(name): \(String(cString: strerror(errno)))") }
      } else if unlinkat(fd, name, 0) != 0 {
        FuzzDriver.die("unlink \(name): \(String(cString: strerror(errno)))")
      }
    }
  }
}

/// An in-memory ByteSource handing out at most `chunk` bytes per read.
final class MemorySource: ByteSource {
  private let bytes: UnsafeRawBufferPointer
  private let chunk: Int
  private var at = 0

  init(_ bytes: UnsafeRawBufferPointer, chunk: Int) {
    self.bytes = bytes
    self.chunk = chunk
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let n = min(buffer.count, chunk, bytes.count - at)
    if n > 0 { buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + at, byteCount: n) }
    at += n
    return n
  }

  func close() throws {}
}
