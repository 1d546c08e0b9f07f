import GarrisonCore
import Testing

@Suite struct JSONValueTests {
  @Test func canonicalFormSortsKeysAndEscapes() throws {
    let v: JSONValue = ["b": [1, true, nil], "a": "x\"y\\\n\u{1}é", "c": ["z": 1.5, "y": -3]]
    #expect(v.canonicalString == #"{"a":"x\"y\\\n\u0001é","b":[1,true,null],"c":{"y":-3,"z":1.5}}"#)
    #expect(try JSONParser.parse(v.canonicalString) == v)
  }

  /// Objects of any size are written with their keys in UTF-8 byte order (prefixes first, multi-byte characters
  /// after ASCII), and integers as `String` spells them: the form the hash chain was always computed over.
  @Test func canonicalObjectsAndIntegersMatchTheReferenceForm() {
    func reference(_ v: JSONValue) -> String {
      switch v {
      case .object(let o):
        let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + keys.map { JSONValue.string($0).canonicalString + ":" + reference(o[$0]!) }.joined(separator: ",") + "}"
      case .array(let a): return "[" + a.map(reference).joined(separator: ",") + "]"
      case .int(let i): return String(i)
      default: return v.canonicalString
      }
    }
    // "é" and "e\u{301}" are one key to a dictionary (canonically equivalent) but not one byte order: 15 keys.
    let pool = ["", "a", "ab", "a_b", "b", "B", "é", "e\u{301}", "pod", "pod_uid", "z", "Z9", "😀", "\u{7f}", "aa", "a\u{0}"]
    var state: UInt64 = 7
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33) % n
    }
    for size in [0, 1, 2, 3, 5, 8, 16, 40] {
      var o: [String: JSONValue] = [:]
      while o.count < size {
        o[pool[next(pool.count)] + (size > 5 ? String(next(1000)) : "")] = .int(Int64(next(1 << 30)) - (1 << 29))
      }
      o["nested"] = ["y": [1, ["x": nil, "w": .int(.min)]], "x": .int(.max)]
      let v = JSONValue.object(o)
      #expect(v.canonicalString == reference(v))
    }
    for i: Int64 in [0, 1, -1, 9, 10, -10, 99, 100, 1 << 53, .max, .min, .min + 1] {
      #expect(JSONValue.int(i).canonicalString == String(i))
      #expect(JSONValue.double(Double(i)).canonicalString == (abs(Double(i)) < 9e15 ? String(i) : "\(Double(i))"))
    }
    for u: UInt64 in [0, 9, 10, 12_345, .max] {
      var out: [UInt8] = []
      JSONValue.writeDecimal(u, into: &out)
      #expect(out == Array(String(u).utf8) && JSONValue.decimalCount(u) == out.count)
    }
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
}
