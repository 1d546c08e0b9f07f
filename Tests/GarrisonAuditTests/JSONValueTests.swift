import GarrisonCore
import Testing
@testable import GarrisonAudit

@Suite struct JSONValueTests {
  @Test func canonicalFormSortsKeysAndEscapes() throws {
    let v: JSONValue = ["b": [1, true, nil], "a": "x\"y\\\n\u{1}é", "c": ["z": 1.5, "y": -3]]
    #expect(v.canonicalString == #"{"a":"x\"y\\\n\u0001é","b":[1,true,null],"c":{"y":-3,"z":1.5}}"#)
    #expect(try JSONParser.parse(v.canonicalString) == v)
  }

  @Test(arguments: ["", "{", "[1,]", "{\"a\":1,\"a\":2}", "01", "\"\u{1}\"", "tru", "{} x", "\"\\ud800\"", "1.", "-"])
  func parserRejects(_ text: String) {
    #expect(throws: GarrisonError.self) { try JSONParser.parse(text) }
  }

  @Test func parserAcceptsEscapesAndNumbers() throws {
    let v = try JSONParser.parse(#" { "s" : "\u00e9\ud83d\ude00\/" , "n" : [0, -12, 3.25e2, 1E-2] } "#)
    #expect(v["s"]?.stringValue == "é😀/")
    #expect(v["n"] == [0, -12, .double(325), .double(0.01)])
  }

  /// Nesting: 128 levels parse; deeper input is a syntax error (exit 2) at the first collection too deep, which
  /// is where a 100,000-level document stops too (the parser recurses once per level).
  @Test(arguments: [("[", "]"), ("{\"a\":", "}")])
  func parserLimitsNesting(_ open: String, _ close: String) throws {
    func nested(_ depth: Int) -> String {
      String(repeating: open, count: depth) + (open == "[" ? "" : "1") + String(repeating: close, count: depth)
    }
    #expect(throws: Never.self) { try JSONParser.parse(nested(JSONParser.maxDepth)) }
    for depth in [JSONParser.maxDepth + 1, 100_000] {
      let e = try #require(throws: GarrisonError.self) { try JSONParser.parse(nested(depth)) }
      #expect(e.exitCode == 2)
      #expect(e.message == "JSON: arrays and objects nested deeper than 128 levels at byte \(128 * open.utf8.count)")
    }
  }
}

@Suite struct AuditTimeTests {
  @Test func formatsFixedWidthUTC() {
    #expect(AuditTime(seconds: 0).description == "1970-01-01T00:00:00.000000000Z")
    #expect(AuditTime(seconds: 1_767_225_600, nanoseconds: 5).description == "2026-01-01T00:00:00.000000005Z")
    #expect(AuditTime(seconds: 951_782_400 + 86399, nanoseconds: 999_999_999).description == "2000-02-29T23:59:59.999999999Z")
  }

  @Test func parsesRFC3339() throws {
    #expect(try AuditTime(rfc3339: "2026-01-01T00:00:00.000000005Z") == AuditTime(seconds: 1_767_225_600, nanoseconds: 5))
    #expect(try AuditTime(rfc3339: "2026-01-01T02:00:00.5+02:00") == AuditTime(seconds: 1_767_225_600, nanoseconds: 500_000_000))
    #expect(try AuditTime(rfc3339: "2026-01-01") == AuditTime(seconds: 1_767_225_600))
    #expect(throws: GarrisonError.self) { try AuditTime(rfc3339: "2026-13-01") }
    #expect(throws: GarrisonError.self) { try AuditTime(rfc3339: "yesterday") }
    let now = AuditTime.now()
    #expect(try AuditTime(rfc3339: now.description) == now)
  }

  @Test func kindsAreClosed() throws {
    #expect(try AuditKind(parsing: "seccomp.denied") == .seccompDenied)
    #expect(throws: GarrisonError.self) { try AuditKind(parsing: "pod.exploded") }
  }
}

@Suite struct FrameTests {
  @Test func crc32MatchesZlib() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([]) == 0)
    #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    // Every length 0..<40 agrees with the bytewise definition.
    let data = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    for n in 0..<40 {
      var c: UInt32 = 0xFFFF_FFFF
      for b in data[0..<n] {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
      }
      #expect(CRC32.checksum(Array(data[0..<n])) == c ^ 0xFFFF_FFFF)
    }
  }

  @Test func frameRoundTripsAndRejectsDamage() {
    let body = Array(#"{"a":1}"#.utf8)
    let line = RecordFrame.frame(body)
    #expect(
      String(decoding: line, as: UTF8.self)
        == "{\"crc32\":\"\(String(CRC32.checksum(body), radix: 16).leftPadded(8))\",\"len\":7,\"record\":{\"a\":1}}\n")
    let content = Array(line.dropLast())
    #expect(content.withUnsafeBufferPointer { RecordFrame.unframe($0) } == .success(37..<44))
    var bad = content
    bad[40] = UInt8(ascii: "2")
    #expect(bad.withUnsafeBufferPointer { RecordFrame.unframe($0) } == .failure(.checksumMismatch))
    #expect(
      Array(content.dropLast(2)).withUnsafeBufferPointer { RecordFrame.unframe($0) } == .failure(.lengthMismatch(declared: 7, available: 5))
    )
  }
}

extension String {
  func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
