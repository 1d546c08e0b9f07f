import Testing
@testable import GarrisonManifest

/// Plain-scalar typing matches the YAML 1.1 rules Yams' default resolver (and Kubernetes' reader) apply.
struct ScalarKindTests {
  @Test(arguments: [
    ("", ScalarKind.null), ("~", .null), ("null", .null), ("NULL", .null),
    ("true", .bool), ("False", .bool), ("yes", .bool), ("OFF", .bool), ("y", .string), ("n", .string),
    ("0", .integer), ("42", .integer), ("-7", .integer), ("+3", .integer), ("1_000", .integer), ("0400", .integer),
    ("0o17", .integer), ("0x1F", .integer), ("0b101", .integer), ("08", .float), ("0x", .string),
    ("1.5", .float), ("-2.", .float), ("1e3", .float), ("6.02E+23", .float), (".5", .float), (".inf", .float),
    ("-.Inf", .float), (".nan", .float), ("500m", .string), ("128Mi", .string), ("1.1.1", .string),
    ("2001-12-14", .string), ("busybox:latest", .string), ("e3", .string), ("-", .string), ("+.5", .string),
  ])
  func plainScalars(text: String, kind: ScalarKind) {
    #expect(ScalarKind.of(plain: text) == kind, "\(text)")
  }

  /// The byte classifier the loader uses agrees with `of(plain:)` on every short string over the characters
  /// that matter (digits, signs, dots, exponents, prefixes, underscores), and on the keyword spellings.
  @Test func bytesAgreeWithStrings() {
    let alphabet = Array("0178_.eE-+xXbofnail~ ")
    var texts: [String] = [
      "", "null", "Null", "NULL", "nULL", "true", "TRUE", "tRUE", "off", "Off", "oFF", "on", "ON",
      "yes", "YES", "yEs", ".inf", ".INF", "-.inf", "+.Inf", ".nan", "-.nan", ".NaN", "0x1F", "0b1_0",
    ]
    func extend(_ prefix: String, _ depth: Int) {
      texts.append(prefix)
      guard depth > 0 else { return }
      for c in alphabet { extend(prefix + String(c), depth - 1) }
    }
    extend("", 4)
    for text in texts {
      let bytes = Array(text.utf8)
      let kind = bytes.withUnsafeBufferPointer { ScalarKind.of(plainUTF8: $0) }
      #expect(kind == ScalarKind.of(plain: text), "\(text)")
    }
  }
}
