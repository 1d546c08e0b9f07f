import GarrisonCore

/// One stored record: an event plus what the log adds (sequence number, time, host, actor) and the chain link.
/// Its canonical JSON form (`body`) is what the chain hash covers.
public struct AuditRecord: Sendable, Hashable {
  /// Format version of the record body.
  public static let version: Int64 = 1

  public var seq: UInt64
  public var time: AuditTime
  public var host: String
  public var actor: AuditActor
  public var event: AuditEvent
  /// Hex chain hash of the previous record (`ChainHasher.genesis` for seq 1).
  public var prev: String
  /// `sha256` or `hmac-sha256`.
  public var chain: String

  public var kind: AuditKind { event.kind }
  public var outcome: AuditOutcome { event.outcome }
  public var object: AuditObject { event.object }
  public var details: JSONValue { event.details }

  public init(
    seq: UInt64, time: AuditTime, host: String, actor: AuditActor, event: AuditEvent,
    prev: String, chain: String
  ) {
    self.seq = seq; self.time = time; self.host = host; self.actor = actor
    self.event = event; self.prev = prev; self.chain = chain
  }

  /// The record as a JSON object (field names as in `Audit/schema/audit-event.schema.json`).
  public var json: JSONValue {
    [
      "v": .int(AuditRecord.version), "seq": .int(Int64(seq)), "time": .string(time.description),
      "host": .string(host), "actor": actor.json, "kind": .string(event.kind.rawValue),
      "outcome": .string(event.outcome.rawValue), "object": event.object.json, "details": event.details,
      "prev": .string(prev), "chain": .string(chain),
    ]
  }

  /// The canonical bytes the chain hash covers.
  public var body: [UInt8] { json.canonicalBytes }

  /// Decodes a record from its JSON form; unknown kinds or outcomes and missing fields are errors.
  public init(json: JSONValue) throws(GarrisonError) {
    func need(_ key: String) throws(GarrisonError) -> JSONValue {
      guard let v = json[key] else {
        throw GarrisonError(.invalid, operation: "decode record", "record lacks \"\(key)\"", field: FieldPath(key))
      }
      return v
    }
    guard json.objectValue != nil else { throw GarrisonError(.invalid, operation: "decode record", "record is not an object") }
    guard try need("v").intValue == AuditRecord.version else {
      throw GarrisonError(.invalid, operation: "decode record", "unsupported record version", field: FieldPath("v"))
    }
    guard let seq = try need("seq").intValue, seq > 0 else {
      throw GarrisonError(.invalid, operation: "decode record", "bad seq", field: FieldPath("seq"))
    }
    guard let time = try need("time").stringValue, let kind = try need("kind").stringValue,
      let outcome = try need("outcome").stringValue, let prev = try need("prev").stringValue,
      let chain = try need("chain").stringValue, let host = try need("host").stringValue
    else { throw GarrisonError(.invalid, operation: "decode record", "a required string field has the wrong type") }
    self.seq = UInt64(seq)
    self.time = try AuditTime(rfc3339: time)
    self.host = host
    self.actor = AuditActor(json: try need("actor"))
    self.event = AuditEvent(
      kind: try AuditKind(parsing: kind), outcome: try AuditOutcome(parsing: outcome),
      object: AuditObject(json: try need("object")), details: try need("details"),
      time: self.time)
    self.prev = prev
    self.chain = chain
  }

  /// Parses and decodes canonical record bytes.
  public init(body: UnsafeBufferPointer<UInt8>) throws(GarrisonError) {
    try self.init(json: try JSONParser.parse(body))
  }
}
