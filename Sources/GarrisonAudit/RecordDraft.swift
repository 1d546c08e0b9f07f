import GarrisonCore

/// An event rendered as its record's canonical bytes except for what only the commit knows — its sequence number
/// and the previous record's hash — so appenders render in parallel on their own threads and the commit, which
/// is serial, only splices two fields and hashes. The head's share of the chain hash and of the frame's CRC-32 is
/// computed with it: the commit hashes and checksums only the last hundred-odd bytes. The bytes are exactly `AuditRecord.json.canonicalBytes`: the
/// record's keys in canonical (byte) order are actor, chain, details, host, kind, object, outcome, prev, seq,
/// time, v, and `prev` and `seq` sit together between the two pre-rendered halves.
struct RecordDraft: Sendable {
  /// `{"actor":…,"chain":"…","details":…,"host":"…","kind":"…","object":…,"outcome":"…","prev":`
  let head: [UInt8]
  /// `,"time":"…","v":1}`
  let tail: [UInt8]
  /// The chain hash over `head`, to be finished by the commit.
  let headHash: ChainHasher.Partial
  /// The CRC-32 register after `head`.
  let headCRC: UInt32
  private let hasher: ChainHasher

  init(_ event: AuditEvent, time: AuditTime, host: String, actor: AuditActor, hasher: ChainHasher) {
    self.init(event, time: time, writer: Writer(host: host, actor: actor, hasher: hasher))
  }

  /// Renders `event` with a log's constant parts (its actor, chain and host) rendered once.
  init(_ event: AuditEvent, time: AuditTime, writer: Writer) {
    var h: [UInt8] = []
    h.reserveCapacity(writer.actorAndChain.count + writer.host.count + 640)
    h.append(contentsOf: writer.actorAndChain)
    event.details.write(into: &h)
    h.append(contentsOf: writer.host)
    JSONValue.string(event.kind.rawValue).write(into: &h)
    h.append(contentsOf: Array(#","object":"#.utf8))
    event.object.json.write(into: &h)
    h.append(contentsOf: Array(#","outcome":"#.utf8))
    JSONValue.string(event.outcome.rawValue).write(into: &h)
    h.append(contentsOf: Array(#","prev":"#.utf8))
    head = h
    var t: [UInt8] = []
    t.reserveCapacity(64)
    t.append(contentsOf: Array(#","time":""#.utf8))
    time.writeRFC3339(into: &t)  // digits, '-', ':', 'T', '.', 'Z': nothing to escape
    t.append(contentsOf: Array(#"","v":"#.utf8))
    t.append(contentsOf: String(AuditRecord.version).utf8)
    t.append(UInt8(ascii: "}"))
    tail = t
    hasher = writer.hasher
    headHash = writer.hasher.begin(h)
    headCRC = CRC32.update(CRC32.initial, h)
  }

  /// The parts of every record a log writes that do not change from record to record, rendered once.
  struct Writer: Sendable {
    /// `{"actor":…,"chain":"…","details":`
    let actorAndChain: [UInt8]
    /// `,"host":"…","kind":`
    let host: [UInt8]
    /// The log's chain hash (its algorithm is the `chain` field).
    let hasher: ChainHasher

    init(host: String, actor: AuditActor, hasher: ChainHasher) {
      self.hasher = hasher
      var a = Array(#"{"actor":"#.utf8)
      actor.json.write(into: &a)
      a.append(contentsOf: Array(#","chain":"#.utf8))
      JSONValue.string(hasher.algorithm).write(into: &a)
      a.append(contentsOf: Array(#","details":"#.utf8))
      actorAndChain = a
      var h = Array(#","host":"#.utf8)
      JSONValue.string(host).write(into: &h)
      h.append(contentsOf: Array(#","kind":"#.utf8))
      self.host = h
    }
  }

  /// The record's canonical bytes for sequence number `seq` after the record hashed `prev`.
  func body(seq: UInt64, prev: String) -> [UInt8] { head + rest(seq: seq, prev: prev) }

  /// What follows `head`: `"<prev>","seq":<seq>` and `tail`.
  private func rest(seq: UInt64, prev: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(prev.utf8.count + tail.count + 32)
    JSONValue.string(prev).write(into: &out)
    out.append(contentsOf: Self.seqKey)
    out.append(contentsOf: String(seq).utf8)
    out.append(contentsOf: tail)
    return out
  }

  private static let seqKey = Array(#","seq":"#.utf8)

  /// Appends the framed record for sequence number `seq` after the record hashed `prev` to `pending` and returns
  /// its chain hash: the same line as `RecordFrame.frame(body(seq:prev:))`, the same hash as `hasher.hash` of
  /// that body.
  func frame(seq: UInt64, prev: String, into pending: inout [UInt8]) -> String {
    let rest = rest(seq: seq, prev: prev)
    let crc = CRC32.update(headCRC, rest) ^ 0xFFFF_FFFF
    RecordFrame.append(head: head, rest: rest, crc: crc, to: &pending)
    return hasher.finish(headHash, rest)
  }
}
