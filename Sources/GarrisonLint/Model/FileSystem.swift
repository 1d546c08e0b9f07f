import GarrisonCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The few file operations lint needs (reading text, listing a directory, finding files upwards),
/// on the C library so the module does not pull in Foundation.
enum FileSystem {
  /// Reads a whole file as UTF-8 text (`-` reads standard input).
  static func readText(_ path: String) throws -> String {
    let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw GarrisonError(.notFound, operation: "open", "cannot read \(path)", errno: errno)
    }
    defer { if fd != 0 { close(fd) } }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
      if n < 0 {
        if errno == EINTR { continue }
        throw GarrisonError(.system, operation: "read", "cannot read \(path)", errno: errno)
      }
      if n == 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Names of the entries of a directory (not recursive, without `.` and `..`).
  static func listFiles(_ directory: String) throws -> [String] {
    guard let dir = opendir(directory) else {
      throw GarrisonError(.notFound, operation: "opendir", "cannot list \(directory)", errno: errno)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  /// The current working directory.
  static func currentDirectory() throws -> String {
    guard let p = getcwd(nil, 0) else {
      throw GarrisonError(.system, operation: "getcwd", "cannot get the working directory", errno: errno)
    }
    defer { free(p) }
    return String(cString: p)
  }

  /// The directory part of a path (`/a/b` -> `/a`, `b` -> `.`).
  static func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let p = String(path[..<slash])
    return p.isEmpty ? "/" : p
  }

  /// The running executable's path (from /proc/self/exe), if it can be read.
  static func executablePath() -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Looks for `name` in `start` and each parent directory; returns the first path found.
  static func findUpwards(_ name: String, from start: String) -> String? {
    var dir = start
    while true {
      let candidate = dir == "/" ? "/" + name : dir + "/" + name
      if exists(candidate) { return candidate }
      if dir == "/" || dir == "." || dir.isEmpty { return nil }
      dir = parent(dir)
    }
  }
}
