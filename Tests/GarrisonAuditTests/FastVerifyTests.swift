import Foundation
@testable import GarrisonCore
import Testing

@testable import GarrisonAudit

/// The verifier's fast path (`CanonicalJSONScanner` + `LineCheck`) may only ever accept what the authoritative
/// path (parse, decode, re-serialise, compare) accepts, and a segment checked on several threads reports the same
/// first problem as one checked line by line.
@Suite struct FastVerifyTests {
  /// A stored record's JSON for `event`.
  static func record(_ event: AuditEvent) -> JSONValue {
    AuditRecord(
      seq: 7, time: event.time ?? AuditTime(seconds: 1_796_000_000), host: "node-1",
      actor: AuditActor(uid: 0, pid: 42, commandLine: ["garrison", "apply", "-f", "pod.yaml"]), event: event,
      prev: ChainHasher.genesis, chain: "sha256"
    ).json
  }

  /// Whatever the scanner accepts parses back to exactly its bytes.
  static func agrees(_ text: [UInt8]) -> Bool {
    text.withUnsafeBufferPointer { b in
      guard CanonicalJSONScanner.members(b) != nil else { return true }
      guard let v = try? JSONParser.parse(b) else { return false }
      return v.canonicalBytes == text
    }
  }

  @Test(arguments: [
    #"{"a":-0}"#, #"{"a":01}"#, #"{"a":1.0}"#, #"{"a":1e3}"#, #"{"a":"\u0041"}"#, #"{"a":"\/"}"#, #"{"a":1,"a":2}"#,
    #"{"b":1,"a":2}"#, #"{"a": 1}"#, #"{"a":"\u001F"}"#, #"{"a":"\u000a"}"#, #"{"a":"é"}"#, #"{"a":"x"} "#,
    #"{"a":12345678901234567890}"#, #"{"a\n":1}"#, #"{"a":tru}"#, #"{"a":[1,]}"#, #"{"a":"\x"}"#,
  ])
  func scannerLeavesEveryNonCanonicalOrUnprovableFormToTheParser(_ text: String) {
    #expect(text.utf8.withContiguousStorageIfAvailable { CanonicalJSONScanner.members($0) } ?? nil == nil, "\(text)")
  }

  @Test func scannerAcceptsWhatTheWriterWrites() throws {
    var gen = SampleEvents(seed: 11)
    let json: JSONValue = ["a": ["b": [1, -2, true, false, nil], "c": "q\"\\\n\r\t\u{8}\u{c}\u{1}/x"], "d": [:], "e": []]
    for value in [json] + gen.events(200).map({ Self.record($0) }) {
      let bytes = value.canonicalBytes
      let accepted = bytes.withUnsafeBufferPointer { CanonicalJSONScanner.members($0) != nil }
      let ascii = !bytes.contains { $0 >= 0x80 }
      #expect(accepted || !ascii, "\(String(decoding: bytes, as: UTF8.self))")
      #expect(Self.agrees(bytes))
    }
  }

  /// The scanner skips plain string text eight bytes at a time: a special byte at any offset of a word is still
  /// seen (plain and DEL bytes are accepted, control and non-ASCII bytes left to the parser, a quote ends the string).
  @Test func specialBytesAreSeenAtEveryOffset() {
    for offset in 0..<24 {
      for special: UInt8 in [0x00, 0x0A, 0x1F, 0x20, 0x21, 0x22, 0x5C, 0x7E, 0x7F, 0x80, 0xC3, 0xFF] {
        var text = Array(#"{"a":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 24) + Array(#""}"#.utf8)
        text[6 + offset] = special
        let accepted = text.withUnsafeBufferPointer { CanonicalJSONScanner.members($0) } != nil
        #expect(Self.agrees(text), "offset \(offset) byte \(special)")
        let plain = special >= 0x20 && special < 0x80 && special != 0x22 && special != 0x5C
        #expect(accepted == plain, "offset \(offset) byte \(special)")
      }
    }
  }

  /// Random single-byte changes, insertions and deletions of canonical records: the scanner never accepts a
  /// form the parser would not reproduce.
  @Test func mutatedRecordsNeverFoolTheScanner() throws {
    var gen = SampleEvents(seed: 5)
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array(#"{}[]":,\-0123456789.eEtrufalsn u/ab"#.utf8) + [0x0A, 0x01, 0xC3, 0xA9]
    var accepted = 0
    for event in gen.events(300) {
      let original = Self.record(event).canonicalBytes
      for _ in 0..<60 {
        var bytes = original
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
          let i = Int.random(in: 0..<bytes.count, using: &rng)
          switch Int.random(in: 0..<3, using: &rng) {
          case 0: bytes[i] = alphabet.randomElement(using: &rng)!
          case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
          default: bytes.remove(at: i)
          }
        }
        #expect(Self.agrees(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        if bytes.withUnsafeBufferPointer({ CanonicalJSONScanner.members($0) }) != nil { accepted += 1 }
      }
    }
    #expect(accepted > 100)  // some mutations stay canonical (a changed digit or letter): the test exercises both sides
  }

  /// One segment of 5,000 records (checked on several threads): every kind of damage is reported at its line,
  /// as before, and an intact log verifies with the same head as the writer's.
  @Test func largeSegmentsReportTheFirstProblemAtItsLine() throws {
    let dir = TestSupport.scratch("fast")
    defer { TestSupport.cleanup(dir) }
    let log = try AuditLog(directory: dir, segmentBytes: 64 << 20, checkpointEvery: 1_000)
    var gen = SampleEvents(seed: 9)
    for _ in 0..<5 { try log.append(gen.events(1_000)) }
    let intact = try AuditVerifier.verify(directory: dir)
    #expect(intact.ok && intact.records >= 5_000 && intact.segments == 1, "\(String(describing: intact.problem))")
    #expect(intact.checkpointRecords >= 4)
    let file = try #require(try TestSupport.segmentFiles(dir).first)
    let original = TestSupport.read(file)
    let starts = [0] + original.indices.filter { original[$0] == 0x0A }.dropLast().map { $0 + 1 }
    for line in [1, 2_345, 4_321, starts.count] {
      var bytes = original
      let at = starts[line - 1] + 40  // inside the record body
      bytes[at] = bytes[at] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
      TestSupport.write(file, bytes)
      let r = try AuditVerifier.verify(directory: dir)
      #expect(r.problem?.line == line, "line \(line): \(String(describing: r.problem))")
    }
    TestSupport.write(file, original)
    #expect(try AuditVerifier.verify(directory: dir).headHash == intact.headHash)
  }

  /// A draft completed by the commit is byte for byte the record's canonical JSON.
  @Test func draftsRenderTheCanonicalRecord() {
    var gen = SampleEvents(seed: 21)
    let actor = AuditActor(uid: 1000, pid: 7, commandLine: ["garrison", "apply", "-f", "p\"o\u{1}d.yaml", "ünï"])
    for (i, event) in gen.events(500).enumerated() {
      let time = event.time ?? AuditTime(seconds: 1_796_000_000 + Int64(i))
      let prev = i == 0 ? ChainHasher.genesis : ChainHasher(hmacKey: nil).hash(Array("\(i)".utf8))
      let draft = RecordDraft(event, time: time, host: "node-\(i % 3)", actor: actor, hasher: ChainHasher(hmacKey: nil))
      let record = AuditRecord(
        seq: UInt64(i + 1), time: time, host: "node-\(i % 3)", actor: actor, event: event, prev: prev, chain: "sha256")
      #expect(draft.body(seq: UInt64(i + 1), prev: prev) == record.body)
    }
  }

  /// An event's object is rendered straight to bytes as its JSON form would be, whichever fields are absent.
  @Test func objectsRenderLikeTheirJSON() {
    let values: [String?] = [nil, "", "a\"b", "ü\u{1}"]
    for ns in values {
      for pod in values {
        for uid in values.prefix(2) {
          for container in values.prefix(3) {
            let o = AuditObject(namespace: ns, pod: pod, podUID: uid, container: container)
            var out: [UInt8] = []
            o.write(into: &out)
            #expect(out == o.json.canonicalBytes)
          }
        }
      }
    }
  }

  /// The commit's framing of a draft (hash and CRC-32 begun over the head on the appender's thread, finished over
  /// the rest) gives the same line and chain hash as framing and hashing the whole record, for plain and keyed
  /// chains and records of every length.
  @Test(arguments: [nil, Array(repeating: UInt8(7), count: 32)] as [[UInt8]?])
  func draftFramesAndHashesLikeTheWholeRecord(_ key: [UInt8]?) {
    var gen = SampleEvents(seed: 5)
    let hasher = ChainHasher(hmacKey: key)
    let actor = AuditActor(uid: 0, pid: 1, commandLine: ["garrison-oci", "run"])
    var prev = ChainHasher.genesis
    for (i, event) in gen.events(300).enumerated() {
      let draft = RecordDraft(event, time: AuditTime(seconds: Int64(i)), host: "h", actor: actor, hasher: hasher)
      let seq = UInt64(i) * 997 + 1
      var line: [UInt8] = [1, 2]
      let hash = draft.frame(seq: seq, prev: prev, into: &line)
      let body = draft.body(seq: seq, prev: prev)
      #expect(line == [1, 2] + RecordFrame.frame(body))
      #expect(hash == hasher.hash(body))
      prev = hash
    }
  }

  /// The byte writer of RFC 3339 times gives what the string formatting gave, at the edges of every field.
  @Test(arguments: [
    Int64(0), 1, 59, 60, 3599, 86_399, 86_400, 951_782_400, 1_796_000_000, 253_402_300_799, 253_402_300_800, -1, -86_401,
    -62_135_596_800, -62_167_219_201,
  ])
  func timesRenderAsBefore(_ seconds: Int64) {
    for nanoseconds: Int32 in [0, 1, 999_999_999, 123_456_789] {
      let t = AuditTime(seconds: seconds, nanoseconds: nanoseconds)
      let (y, mo, d) = AuditTime.civil(fromDays: Int64((Double(seconds) / 86400).rounded(.down)))
      let sod = seconds - Int64((Double(seconds) / 86400).rounded(.down)) * 86400
      func pad(_ v: Int64, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
      }
      let expected =
        "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(sod / 3600, 2)):\(pad(sod / 60 % 60, 2)):\(pad(sod % 60, 2))."
        + "\(pad(Int64(nanoseconds), 9))Z"
      #expect(t.description == expected)
    }
  }
}
