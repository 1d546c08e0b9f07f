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
  public init(parsing text: String) {
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon]
      let value = line[line.index(after: colon)...]
      let fields = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
      switch key {
      case "Uid": uids = fields.compactMap { UInt32($0) }
      case "Gid": gids = fields.compactMap { UInt32($0) }
      case "Groups": groups = fields.compactMap { UInt32($0) }
      case "CapInh": capInh = fields.first.flatMap { UInt64($0, radix: 16) } ?? 0
      case "CapPrm": capPrm = fields.first.flatMap { UInt64($0, radix: 16) } ?? 0
      case "CapEff": capEff = fields.first.flatMap { UInt64($0, radix: 16) } ?? 0
      case "CapBnd": capBnd = fields.first.flatMap { UInt64($0, radix: 16) } ?? 0
      case "CapAmb": capAmb = fields.first.flatMap { UInt64($0, radix: 16) } ?? 0
      case "NoNewPrivs": noNewPrivs = fields.first.flatMap { Int($0) } ?? 0
      case "Seccomp": seccomp = fields.first.flatMap { Int($0) } ?? 0
      case "Threads": threads = fields.first.flatMap { Int($0) } ?? 0
      case "State": state = fields.first.map(String.init) ?? ""
      default: break
      }
    }
  }

  /// Reads and parses `/proc/<pid>/status` (`self` when pid is nil).
  public static func read(pid: Int32?) throws(Errno) -> ProcStatus {
    ProcStatus(parsing: try FileIO.readText("/proc/\(pid.map(String.init) ?? "self")/status"))
  }
}
