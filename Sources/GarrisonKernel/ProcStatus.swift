/// The security-relevant lines of `/proc/<pid>/status`, parsed without Foundation.
public struct ProcStatus: Equatable, Sendable {
  /// Real, effective, saved and filesystem uids.
  public var uids: [UInt32] = []
  public var gids: [UInt32] = []
  public var groups: [UInt32] = []
  public var capInh: UInt64 = 0
  public var capPrm: UInt64 = 0
  public var capEff: UInt64 = 0
  public var capBnd: UInt64 = 0
  public var capAmb: UInt64 = 0
  public var noNewPrivs: Int = 0
  /// 0 none, 1 strict, 2 filter.
  public var seccomp: Int = 0
  public var threads: Int = 0
  /// `R`, `S`, `Z`, …
  public var state: String = ""

  public init() {}

  /// Parses the text of a status file.
  public init(parsing text: String) { self.init(bytes: Array(text.utf8)) }

  /// Parses the bytes of a status file, byte-wise (this runs on every container start, in the runtime and in
  /// the init: no Character or Substring work).
  public init(bytes: [UInt8]) {
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count && bytes[end] != 0x0A { end += 1 }
      defer { start = end + 1 }
      guard let colon = bytes[start..<end].firstIndex(of: 0x3A) else { continue }
      let fields = ProcStatus.fields(bytes[(colon + 1)..<end])
      switch String(decoding: bytes[start..<colon], as: UTF8.self) {
      case "Uid": uids = fields.compactMap { ProcStatus.number($0, radix: 10).flatMap { UInt32(exactly: $0) } }
      case "Gid": gids = fields.compactMap { ProcStatus.number($0, radix: 10).flatMap { UInt32(exactly: $0) } }
      case "Groups": groups = fields.compactMap { ProcStatus.number($0, radix: 10).flatMap { UInt32(exactly: $0) } }
      case "CapInh": capInh = fields.first.flatMap { ProcStatus.number($0, radix: 16) } ?? 0
      case "CapPrm": capPrm = fields.first.flatMap { ProcStatus.number($0, radix: 16) } ?? 0
      case "CapEff": capEff = fields.first.flatMap { ProcStatus.number($0, radix: 16) } ?? 0
      case "CapBnd": capBnd = fields.first.flatMap { ProcStatus.number($0, radix: 16) } ?? 0
      case "CapAmb": capAmb = fields.first.flatMap { ProcStatus.number($0, radix: 16) } ?? 0
      case "NoNewPrivs": noNewPrivs = fields.first.flatMap { ProcStatus.number($0, radix: 10).map { Int($0) } } ?? 0
      case "Seccomp": seccomp = fields.first.flatMap { ProcStatus.number($0, radix: 10).map { Int($0) } } ?? 0
      case "Threads": threads = fields.first.flatMap { ProcStatus.number($0, radix: 10).map { Int($0) } } ?? 0
      case "State": state = fields.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
      default: break
      }
    }
  }

  /// The space- or tab-separated fields of a value.
  static func fields(_ value: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
    value.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
  }

  /// A whole field as an unsigned number (decimal or hexadecimal), nil if anything else is in it.
  static func number(_ digits: ArraySlice<UInt8>, radix: UInt64) -> UInt64? {
    guard !digits.isEmpty, digits.count <= 16 || radix == 10 && digits.count <= 19 else { return nil }
    var v: UInt64 = 0
    for b in digits {
      let d: UInt64
      switch b {
      case 0x30...0x39: d = UInt64(b - 0x30)
      case 0x61...0x66 where radix == 16: d = UInt64(b - 0x61 + 10)
      case 0x41...0x46 where radix == 16: d = UInt64(b - 0x41 + 10)
      default: return nil
      }
      v = v * radix + d
    }
    return v
  }

  /// Reads and parses `/proc/<pid>/status` (`self` when pid is nil).
  public static func read(pid: Int32?) throws(Errno) -> ProcStatus {
    ProcStatus(bytes: try FileIO.read("/proc/\(pid.map(String.init) ?? "self")/status"))
  }
}
