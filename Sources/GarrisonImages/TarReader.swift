import GarrisonCore

/// A streaming tar reader: ustar, pax (`x` and `g` headers) and GNU long names (`L`, `K`).
///
/// It hashes every byte it consumes, so after ``finish()`` ``digest`` is the sha256 of the whole stream —
/// the layer's diff ID. Sparse files, multi-volume members and other rare types are refused.
public final class TarReader {
  private let source: any ByteSource
  private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
  private var bufferStart = 0
  private var bufferEnd = 0
  private var hasher = DigestHasher()
  private var remainingData: Int64 = 0
  private var remainingPadding: Int64 = 0
  private var globalPax: [String: [UInt8]] = [:]
  private var ended = false
  /// Maximum size of a pax or GNU long-name record (guards memory).
  static let maxMetadataSize: Int64 = 1 << 20
  /// Largest member size accepted (1 PiB): keeps the offset arithmetic far from overflow.
  static let maxMemberSize: Int64 = 1 << 50

  public init(source: any ByteSource) { self.source = source }

  /// sha256 and byte count of everything consumed so far.
  public var digest: Digest { hasher.finalize() }
  public var bytesRead: Int64 { hasher.count }

  // MARK: - Low-level reading

  private func fill() throws -> Bool {
    if bufferStart < bufferEnd { return true }
    let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
    bufferStart = 0
    bufferEnd = n
    if n > 0 { buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
    return n > 0
  }

  /// Hands up to `count` bytes to `body` in chunks; returns how many were available.
  private func consume(_ count: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
    var left = count
    while left > 0 {
      guard try fill() else { break }
      let take = Int(min(Int64(bufferEnd - bufferStart), left))
      try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[bufferStart..<(bufferStart + take)])) }
      bufferStart += take
      left -= Int64(take)
    }
    return count - left
  }

  private func readExactly(_ count: Int) throws -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    let got = try consume(Int64(count)) { out.append(contentsOf: $0) }
    if got == 0 { return nil }
    guard got == Int64(count) else { throw Self.error("unexpected end of archive") }
    return out
  }

  private func skip(_ count: Int64) throws {
    let got = try consume(count) { _ in }
    guard got == count else { throw Self.error("unexpected end of archive") }
  }

  static func error(_ message: String) -> GarrisonError {
    GarrisonError(.invalid, operation: "read tar", "malformed tar archive: \(message)")
  }

  // MARK: - Entries

  /// The next member, skipping whatever is left of the previous one's data; `nil` at the end of the archive.
  public func next() throws -> TarEntry? {
    if ended { return nil }
    try skip(remainingData + remainingPadding)
    remainingData = 0
    remainingPadding = 0
    var pax: [String: [UInt8]] = [:]
    var longName: String?
    var longLink: String?
    while true {
      guard let header = try readExactly(512) else {
        throw Self.error("archive ends without an end-of-archive marker")
      }
      if header.allSatisfy({ $0 == 0 }) {
        ended = true
        return nil
      }
      try Self.verifyChecksum(header)
      let type = header[156]
      let size = try Self.number(header, 124, 12)
      guard size >= 0 else { throw Self.error("negative size") }
      switch type {
      case UInt8(ascii: "x"), UInt8(ascii: "g"):
        let records = try Self.parsePax(try readMetadata(size))
        if type == UInt8(ascii: "g") {
          // A global path or link target would rename every later member: ignored, as GNU tar does.
          globalPax.merge(records.filter { $0.key != "path" && $0.key != "linkpath" }) { $1 }
        } else {
          pax.merge(records) { $1 }
        }
        continue
      case UInt8(ascii: "L"):
        longName = Self.cString(try readMetadata(size))
        continue
      case UInt8(ascii: "K"):
        longLink = Self.cString(try readMetadata(size))
        continue
      default:
        break
      }
      let merged = globalPax.merging(pax) { $1 }
      var entry = try Self.entry(from: header, type: type, size: size)
      if let longName { entry.path = longName }
      if let longLink { entry.linkName = longLink }
      try Self.apply(pax: merged, to: &entry)
      // Only regular files carry data; links, directories, devices and fifos are header-only (as in Go's archive/tar).
      if entry.kind != .regular { entry.size = 0 }
      guard entry.size <= Self.maxMemberSize else { throw Self.error("member `\(entry.path)` claims \(entry.size) bytes") }
      remainingData = entry.size
      remainingPadding = (512 - remainingData % 512) % 512
      return entry
    }
  }

  /// Streams the current member's data to `body`.
  public func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let want = remainingData
    let got = try consume(want, body)
    remainingData -= got
    guard got == want else { throw Self.error("member data truncated") }
  }

  /// The current member's data in memory (refused above `limit` bytes).
  public func readAll(limit: Int64 = 16 << 20) throws -> [UInt8] {
    guard remainingData <= limit else { throw Self.error("member too large to read into memory (\(remainingData) bytes)") }
    var out: [UInt8] = []
    try readData { out.append(contentsOf: $0) }
    return out
  }

  /// Reads to the end of the stream (so ``digest`` covers all of it) and closes the source.
  public func finish() throws {
    while try fill() { bufferStart = bufferEnd }
    try source.close()
  }

  private func readMetadata(_ size: Int64) throws -> [UInt8] {
    guard size <= Self.maxMetadataSize else { throw Self.error("extended header of \(size) bytes") }
    let data = try readExactly(Int(size)) ?? []
    guard data.count == Int(size) else { throw Self.error("truncated extended header") }
    try skip((512 - size % 512) % 512)
    return data
  }

  // MARK: - Header fields

  static func verifyChecksum(_ h: [UInt8]) throws {
    let stored = try number(h, 148, 8)
    var unsigned: Int64 = 0
    var signed: Int64 = 0
    for i in 0..<512 {
      let b = (148..<156).contains(i) ? UInt8(ascii: " ") : h[i]
      unsigned += Int64(b)
      signed += Int64(Int8(bitPattern: b))
    }
    guard stored == unsigned || stored == signed else { throw error("header checksum mismatch") }
  }

  /// An octal field, or GNU base-256 when the high bit of the first byte is set (negative base-256 numbers,
  /// first byte 0xff, are refused, as is anything that does not fit in 63 bits).
  static func number(_ h: [UInt8], _ offset: Int, _ length: Int) throws -> Int64 {
    let field = h[offset..<(offset + length)]
    if let first = field.first, first & 0x80 != 0 {
      guard first & 0x40 == 0 else { throw error("negative base-256 number") }
      var v: Int64 = Int64(first & 0x3f)
      for b in field.dropFirst() {
        guard v <= (Int64.max >> 8) else { throw error("base-256 number out of range") }
        v = (v << 8) | Int64(b)
      }
      return v
    }
    var v: Int64 = 0
    var seen = false
    for b in field {
      if b == 0 || b == UInt8(ascii: " ") { if seen { break } else { continue } }
      guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(b) else { throw error("bad octal digit in header") }
      guard v < (Int64.max >> 3) else { throw error("number out of range") }
      v = v * 8 + Int64(b - UInt8(ascii: "0"))
      seen = true
    }
    return v
  }

  /// A user or group id: 0 through 2^32-2 (2^32-1 is chown's "unchanged").
  static func id(_ value: Int64, _ what: String) throws -> Int {
    guard value >= 0, value < Int64(UInt32.max) else { throw error("\(what) \(value) is out of range") }
    return Int(value)
  }

  /// A device number that fits in 32 bits.
  static func deviceNumber(_ value: Int64) throws -> UInt32 {
    guard let v = UInt32(exactly: value) else { throw error("device number \(value) is out of range") }
    return v
  }

  static func cString(_ bytes: some Collection<UInt8>) -> String {
    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  static func entry(from h: [UInt8], type: UInt8, size: Int64) throws -> TarEntry {
    let kind: TarEntry.Kind
    switch type {
    case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .regular
    case UInt8(ascii: "1"): kind = .hardLink
    case UInt8(ascii: "2"): kind = .symbolicLink
    case UInt8(ascii: "3"): kind = .characterDevice
    case UInt8(ascii: "4"): kind = .blockDevice
    case UInt8(ascii: "5"): kind = .directory
    case UInt8(ascii: "6"): kind = .fifo
    default: throw error("unsupported member type `\(Character(Unicode.Scalar(type)))`")
    }
    var name = cString(h[0..<100])
    let isUstar = h[257..<262].elementsEqual("ustar".utf8)
    if isUstar, !h[257..<263].elementsEqual("ustar ".utf8) {  // POSIX ustar has a prefix field; old GNU does not
      let prefix = cString(h[345..<500])
      if !prefix.isEmpty { name = prefix + "/" + name }
    }
    var devMajor: UInt32 = 0
    var devMinor: UInt32 = 0
    if kind == .characterDevice || kind == .blockDevice {
      devMajor = try deviceNumber(try number(h, 329, 8))
      devMinor = try deviceNumber(try number(h, 337, 8))
    }
    return TarEntry(
      path: name, kind: kind, mode: UInt32(truncatingIfNeeded: try number(h, 100, 8)) & 0o7777,
      uid: try id(try number(h, 108, 8), "uid"), gid: try id(try number(h, 116, 8), "gid"), size: size,
      modificationTime: try number(h, 136, 12), linkName: cString(h[157..<257]),
      deviceMajor: devMajor, deviceMinor: devMinor)
  }

  /// Parses `"<len> key=value\n"` records into raw values.
  static func parsePax(_ data: [UInt8]) throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    var i = 0
    while i < data.count {
      guard let space = data[i...].firstIndex(of: UInt8(ascii: " ")),
        let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > 0, i + length <= data.count,
        data[i + length - 1] == UInt8(ascii: "\n")
      else { throw error("bad pax record") }
      let record = data[(space + 1)..<(i + length - 1)]
      guard let eq = record.firstIndex(of: UInt8(ascii: "=")) else { throw error("bad pax record") }
      out[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] = Array(record[(eq + 1)...])
      i += length
    }
    return out
  }

  static func apply(pax: [String: [UInt8]], to e: inout TarEntry) throws {
    for (key, raw) in pax {
      let value = String(decoding: raw, as: UTF8.self)
      switch key {
      case "path": e.path = value
      case "linkpath": e.linkName = value
      case "size":
        guard let v = Int64(value), v >= 0 else { throw error("bad pax size") }
        e.size = v
      case "uid":
        guard let v = Int64(value) else { throw error("bad pax uid") }
        e.uid = try id(v, "uid")
      case "gid":
        guard let v = Int64(value) else { throw error("bad pax gid") }
        e.gid = try id(v, "gid")
      case "mtime":
        guard let v = Int64(value.split(separator: ".").first ?? "") else { throw error("bad pax mtime") }
        e.modificationTime = v
      case "GNU.sparse.major", "GNU.sparse.map", "GNU.sparse.size":
        throw error("sparse members are not supported")
      default:
        if key.hasPrefix("SCHILY.xattr.") { e.xattrs[String(key.dropFirst("SCHILY.xattr.".count))] = raw }
      }
    }
  }
}
