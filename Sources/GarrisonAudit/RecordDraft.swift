import GarrisonCore

/// An event rendered as its record's canonical bytes except for what only the commit knows — its sequence number
/// and the previous record's hash — so appenders render in parallel on their own threads and the commit, which
/// is serial, only splices two fields and hashes. The bytes are exactly `AuditRecord.json.canonicalBytes`: the
/// record's keys in canonical (byte) order are actor, chain, details, host, kind, object, outcome, prev, seq,
/// time, v, and `prev` and `seq` sit together between the two pre-rendered halves.
struct RecordDraft: Sendable {
  /// `{"actor":…,"chain":"…","details":…,"host":"…","kind":"…","object":…,"outcome":"…","prev":`
  let head: [UInt8]
  /// `,"time":"…","v":1}`
  let tail: [UInt8]

  init(_ event: AuditEvent, time: AuditTime, host: String, actor: AuditActor, chain: String) {
    var h: [UInt8] = []
    h.reserveCapacity(768)
    func key(_ k: StaticString, first: Bool = false) {
      if !first { h.append(UInt8(ascii: ",")) }
      h.append(UInt8(ascii: "\""))
      h.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
      h.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }
    h.append(UInt8(ascii: "{"))
    key("actor", first: true)
    actor.json.write(into: &h)
    key("chain")
    JSONValue.string(chain).write(into: &h)
    key("details")
    event.details.write(into: &h)
    key("host")
    JSONValue.string(host).write(into: &h)
    key("kind")
    JSONValue.string(event.kind.rawValue).write(into: &h)
    key("object")
    event.object.json.write(into: &h)
    key("outcome")
    JSONValue.string(event.outcome.rawValue).write(into: &h)
    key("prev")
    head = h
    var t: [UInt8] = []
    t.reserveCapacity(64)
    t.append(contentsOf: Array(#","time":"#.utf8))
    JSONValue.string(time.description).write(into: &t)
    t.append(contentsOf: Array(#","v":"#.utf8))
    t.append(contentsOf: String(AuditRecord.version).utf8)
    t.append(UInt8(ascii: "}"))
    tail = t
  }

  /// The record's canonical bytes for sequence number `seq` after the record hashed `prev`.
  func body(seq: UInt64, prev: String) -> [UInt8] {
    var out = head
    out.reserveCapacity(head.count + prev.utf8.count + tail.count + 32)
    JSONValue.string(prev).write(into: &out)
    out.append(contentsOf: Array(#","seq":"#.utf8))
    out.append(contentsOf: String(seq).utf8)
    out.append(contentsOf: tail)
    return out
  }
}
