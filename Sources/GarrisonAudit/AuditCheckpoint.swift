import GarrisonCore

/// An exported checkpoint: the sequence number and chain hash of a checkpoint record. Kept outside the audit
/// directory (another host, write-once storage), it lets `verify --checkpoint` detect truncation of the tail and
/// any rewrite of the chain up to that record.
public struct AuditCheckpoint: Sendable, Hashable {
  public var seq: UInt64
  public var hash: String
  public var time: AuditTime
  public var chain: String

  public init(seq: UInt64, hash: String, time: AuditTime, chain: String) {
    self.seq = seq; self.hash = hash; self.time = time; self.chain = chain
  }

  /// The one-line JSON form written by `garrison audit checkpoint export`.
  public var json: JSONValue {
    [
      "type": "garrison.audit.checkpoint", "seq": .int(Int64(seq)), "hash": .string(hash),
      "time": .string(time.description), "chain": .string(chain),
    ]
  }

  /// Decodes one exported checkpoint.
  public init(json: JSONValue) throws(GarrisonError) {
    guard json["type"]?.stringValue == "garrison.audit.checkpoint", let seq = json["seq"]?.intValue, seq > 0,
      let hash = json["hash"]?.stringValue, hash.utf8.count == 64, let time = json["time"]?.stringValue,
      let chain = json["chain"]?.stringValue
    else { throw GarrisonError(.invalid, operation: "read checkpoint", "not a garrison audit checkpoint") }
    self.init(seq: UInt64(seq), hash: hash, time: try AuditTime(rfc3339: time), chain: chain)
  }

  /// Reads every checkpoint of a checkpoint file (JSON Lines, blank lines ignored).
  public static func load(path: String) throws(GarrisonError) -> [AuditCheckpoint] {
    let bytes = try AuditIO.readAll(path)
    var out: [AuditCheckpoint] = []
    for (i, line) in bytes.split(separator: 0x0A).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
      do throws(GarrisonError) {
        out.append(try AuditCheckpoint(json: try JSONParser.parse(Array(line))))
      } catch {
        throw GarrisonError(
          error.code, operation: "read checkpoint", error.message,
          at: SourceLocation(file: path, line: i + 1, column: 1))
      }
    }
    guard !out.isEmpty else { throw GarrisonError(.invalid, operation: "read checkpoint", "\(path): no checkpoint") }
    return out
  }
}
