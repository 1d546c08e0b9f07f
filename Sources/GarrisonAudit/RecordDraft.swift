import GarrisonCore

/// An event rendered as its record's canonical bytes except for what only the commit knows — its sequence number
/// and the previous record's hash — so appenders render in parallel on their own threads and the commit, which
/// is serial, only splices two fields and hashes. The head's share of the chain hash and of the frame's CRC-32 is
/// computed with it: the commit hashes and checksums only the last hundred-odd bytes. The bytes are exactly
/// `AuditRecord.json.canonicalBytes`: the record's keys in canonical (byte) order are actor, chain, details, host,
/// kind, object, outcome, prev, seq, time, v, and `prev` and `seq` sit together between the two pre-rendered parts.
struct RecordDraft: Sendable {
  /// The head `{"actor":…,"chain":"…","details":…,"host":"…","kind":"…","object":…,"outcome":"…","prev":`
  /// followed by the tail `,"time":"…","v":1}`, in one buffer.
  let bytes: [UInt8]
  /// Where the head ends: `prev` and `seq` go here.
  let headCount: Int
  /// The chain hash over the head, to be finished by the commit (in place: `frame` is the hash state's only user).
  private(set) var headHash: ChainHasher.Partial
  /// The CRC-32 register after the head.
  let headCRC: UInt32

  init(_ event: AuditEvent, time: AuditTime, host: String, actor: AuditActor, hasher: ChainHasher) {
    self.init(event, time: time, writer: Writer(host: host, actor: actor, hasher: hasher))
  }

  /// Renders `event` with a log's constant parts (its actor, chain and host) rendered once.
  init(_ event: AuditEvent, time: AuditTime, writer: Writer) {
    var b: [UInt8] = []
    b.reserveCapacity(writer.actorAndChain.count + writer.host.count + 704)
    b.append(contentsOf: writer.actorAndChain)
    event.details.write(into: &b)
    b.append(contentsOf: writer.host)
    JSONValue.writeString(event.kind.rawValue, into: &b)
    b.append(contentsOf: Self.objectKey)
    event.object.write(into: &b)
    b.append(contentsOf: Self.outcomeKey)
    JSONValue.writeString(event.outcome.rawValue, into: &b)
    b.append(contentsOf: Self.prevKey)
    let headCount = b.count
    b.append(contentsOf: Self.timeKey)
    time.writeRFC3339(into: &b)  // digits, '-', ':', 'T', '.', 'Z': nothing to escape
    b.append(contentsOf: Self.versionAndEnd)
    (headHash, headCRC) = b.withUnsafeBufferPointer { all in
      let head = UnsafeBufferPointer(rebasing: all[0..<headCount])
      return (writer.hasher.begin(head), CRC32.update(CRC32.initial, head))
    }
    self.headCount = headCount
    bytes = b
  }

  private static let objectKey = Array(#","object":"#.utf8)
  private static let outcomeKey = Array(#","outcome":"#.utf8)
  private static let prevKey = Array(#","prev":"#.utf8)
  private static let seqKey = Array(#","seq":"#.utf8)
  private static let timeKey = Array(#","time":""#.utf8)
  private static let versionAndEnd = Array(#"","v":\#(AuditRecord.version)}"#.utf8)

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
  func body(seq: UInt64, prev: String) -> [UInt8] {
    var out = Array(bytes[0..<headCount])
    writeRest(seq: seq, prev: Array(prev.utf8), into: &out)
    return out
  }

  /// Appends what follows the head: `"<prev>","seq":<seq>` and the tail.
  private func writeRest(seq: UInt64, prev: [UInt8], into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    out.append(contentsOf: prev)
    out.append(UInt8(ascii: "\""))
    out.append(contentsOf: Self.seqKey)
    JSONValue.writeDecimal(seq, into: &out)
    out.append(contentsOf: bytes[headCount...])
  }

  /// Appends the framed record for sequence number `seq` after the record whose hex chain hash is `prev` (64
  /// lowercase hex digits) to `pending`, and replaces `prev` with this record's hash: the same line as
  /// `RecordFrame.frame(body(seq:prev:))`, the same hash as `hasher.hash` of that body. The record is written
  /// straight into `pending`; only the bytes after the head are checksummed and hashed here. Once per draft: it
  /// finishes the draft's hash state in place (no copy of it when the draft is its only holder).
  mutating func frame(seq: UInt64, prev: inout [UInt8], into pending: inout [UInt8]) {
    let length = bytes.count + prev.count + 2 + Self.seqKey.count + JSONValue.decimalCount(seq)
    let crcAt = RecordFrame.open(length: length, into: &pending)
    pending.append(contentsOf: bytes[0..<headCount])
    let restAt = pending.count
    writeRest(seq: seq, prev: prev, into: &pending)
    let restEnd = pending.count
    RecordFrame.close(into: &pending)
    pending.withUnsafeMutableBufferPointer { line in
      let rest = UnsafeBufferPointer(rebasing: line[restAt..<restEnd])
      RecordFrame.setCRC(CRC32.update(headCRC, rest) ^ 0xFFFF_FFFF, at: crcAt, in: line)
      prev.withUnsafeMutableBufferPointer { headHash.finish(rest, hexInto: $0) }
    }
  }

  /// `frame(seq:prev:into:)` for a `prev` given as a string; returns this record's hash.
  func frame(seq: UInt64, prev: String, into pending: inout [UInt8]) -> String {
    var hash = Array(prev.utf8)
    var draft = self
    draft.frame(seq: seq, prev: &hash, into: &pending)
    return String(decoding: hash, as: UTF8.self)
  }
}
