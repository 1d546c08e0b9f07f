import GarrisonCore
@testable import GarrisonImages

/// Writes tar archives (ustar, with a pax header for long names, link targets and large ids) into memory.
/// Used to build test fixtures and OCI archives; it writes names verbatim, hostile ones included.
public struct TarWriter {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  /// Appends a member; `data` is used for regular files only.
  public mutating func append(_ entry: TarEntry, data: [UInt8] = []) {
    var e = entry
    if e.kind == .regular { e.size = Int64(data.count) } else { e.size = 0 }
    var pax: [(String, String)] = []
    if e.path.utf8.count > 100 { pax.append(("path", e.path)) }
    if e.linkName.utf8.count > 100 { pax.append(("linkpath", e.linkName)) }
    for (k, v) in e.xattrs.sorted(by: { $0.key < $1.key }) { pax.append(("SCHILY.xattr." + k, String(decoding: v, as: UTF8.self))) }
    if !pax.isEmpty {
      var body: [UInt8] = []
      for (k, v) in pax {
        let rest = " \(k)=\(v)\n".utf8.count
        var length = rest + 1
        while String(length).utf8.count + rest != length { length = String(length).utf8.count + rest }
        body += Array("\(length) \(k)=\(v)\n".utf8)
      }
      appendHeader(
        TarEntry(path: "PaxHeaders/" + String(e.path.suffix(80)), kind: .regular, size: Int64(body.count)),
        type: UInt8(ascii: "x"))
      appendData(body)
    }
    let type: UInt8
    switch e.kind {
    case .regular: type = UInt8(ascii: "0")
    case .hardLink: type = UInt8(ascii: "1")
    case .symbolicLink: type = UInt8(ascii: "2")
    case .characterDevice: type = UInt8(ascii: "3")
    case .blockDevice: type = UInt8(ascii: "4")
    case .directory: type = UInt8(ascii: "5")
    case .fifo: type = UInt8(ascii: "6")
    }
    appendHeader(e, type: type)
    appendData(data)
  }

  /// Convenience: a regular file.
  public mutating func file(_ path: String, _ content: String, mode: UInt32 = 0o644) {
    append(TarEntry(path: path, kind: .regular, mode: mode), data: Array(content.utf8))
  }
  public mutating func directory(_ path: String, mode: UInt32 = 0o755) {
    append(TarEntry(path: path, kind: .directory, mode: mode))
  }
  public mutating func symlink(_ path: String, to target: String) {
    append(TarEntry(path: path, kind: .symbolicLink, mode: 0o777, linkName: target))
  }

  /// Appends the end-of-archive marker and returns the archive.
  public mutating func finish() -> [UInt8] {
    bytes += [UInt8](repeating: 0, count: 1024)
    return bytes
  }

  private mutating func appendData(_ data: [UInt8]) {
    bytes += data
    bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
  }

  private mutating func appendHeader(_ e: TarEntry, type: UInt8) {
    var h = [UInt8](repeating: 0, count: 512)
    func put(_ s: String, _ offset: Int, _ length: Int) {
      for (i, b) in s.utf8.prefix(length).enumerated() { h[offset + i] = b }
    }
    func octal(_ v: Int64, _ offset: Int, _ length: Int) {
      let s = String(v, radix: 8)
      put(String(repeating: "0", count: max(0, length - 1 - s.count)) + s, offset, length - 1)
    }
    put(String(e.path.utf8.prefix(100)) ?? "", 0, 100)
    octal(Int64(e.mode), 100, 8)
    octal(Int64(min(e.uid, 0o7777777)), 108, 8)
    octal(Int64(min(e.gid, 0o7777777)), 116, 8)
    octal(e.size, 124, 12)
    octal(e.modificationTime, 136, 12)
    h[156] = type
    put(String(e.linkName.utf8.prefix(100)) ?? "", 157, 100)
    put("ustar", 257, 6)
    put("00", 263, 2)
    octal(Int64(e.deviceMajor), 329, 8)
    octal(Int64(e.deviceMinor), 337, 8)
    for i in 148..<156 { h[i] = UInt8(ascii: " ") }
    let sum = h.reduce(0) { $0 + Int64($1) }
    octal(sum, 148, 7)
    h[155] = UInt8(ascii: " ")
    bytes += h
  }
}
