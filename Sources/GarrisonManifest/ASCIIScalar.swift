/// `ScalarKind.of(plain:)` for ASCII text as bytes: the same YAML 1.1 rules (null, bool, integer, float) without
/// making a `String`. `ScalarKindTests` checks that both agree.
enum ASCIIScalar {
  static func kind(_ t: UnsafeBufferPointer<UInt8>) -> ScalarKind {
    if isNull(t) { return .null }
    if isBool(t) { return .bool }
    if isInteger(t) { return .integer }
    if isFloat(t) { return .float }
    return .string
  }

  private static func equals(_ t: UnsafeBufferPointer<UInt8>, _ words: StaticString...) -> Bool {
    for w in words where w.utf8CodeUnitCount == t.count {
      if t.elementsEqual(UnsafeBufferPointer(start: w.utf8Start, count: w.utf8CodeUnitCount)) { return true }
    }
    return false
  }

  // The word lists are compared only when the first byte can begin one of their words (most scalars begin with
  // none of them, and each comparison makes an array of the words).

  static func isNull(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = t.first else { return true }
    guard first == UInt8(ascii: "~") || first | 0x20 == UInt8(ascii: "n") else { return false }
    return equals(t, "~", "null", "Null", "NULL")
  }

  static func isBool(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
    guard t.count >= 2 && t.count <= 5 else { return false }
    switch t[0] | 0x20 {
    case UInt8(ascii: "y"), UInt8(ascii: "t"), UInt8(ascii: "o"), UInt8(ascii: "n"), UInt8(ascii: "f"): break
    default: return false
    }
    return equals(
      t, "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "no", "No", "NO", "false", "False", "FALSE",
      "off", "Off", "OFF")
  }

  private static func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
  private static func octal(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x37 }
  private static func hex(_ c: UInt8) -> Bool { digit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
  private static let underscore = UInt8(ascii: "_")
  private static let zero = UInt8(ascii: "0")

  /// `[-+]?(0b[01_]+ | 0o?[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+)`
  static func isInteger(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
    var u = t[...]
    if let f = u.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { u = u.dropFirst() }
    guard let first = u.first else { return false }
    func all(_ s: Slice<UnsafeBufferPointer<UInt8>>, _ ok: (UInt8) -> Bool) -> Bool { !s.isEmpty && s.allSatisfy(ok) }
    if u.count >= 2 && first == zero {
      let second = u[u.startIndex + 1]
      if second == UInt8(ascii: "b") { return all(u.dropFirst(2)) { $0 == zero || $0 == zero + 1 || $0 == underscore } }
      if second == UInt8(ascii: "x") { return all(u.dropFirst(2)) { hex($0) || $0 == underscore } }
      if second == UInt8(ascii: "o") { return all(u.dropFirst(2)) { octal($0) || $0 == underscore } }
    }
    if first == zero { return u.count == 1 || all(u.dropFirst()) { octal($0) || $0 == underscore } }
    return first >= zero + 1 && first <= zero + 9 && u.dropFirst().allSatisfy { digit($0) || $0 == underscore }
  }

  /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
  static func isFloat(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
    if t.first == UInt8(ascii: "."), equals(t, ".nan", ".NaN", ".NAN") { return true }
    var u = t[...]
    let signed = u.first == UInt8(ascii: "-") || u.first == UInt8(ascii: "+")
    if signed { u = u.dropFirst() }
    if u.first == UInt8(ascii: "."), equals(UnsafeBufferPointer(rebasing: u), ".inf", ".Inf", ".INF") { return true }
    let dot = UInt8(ascii: "."), e = UInt8(ascii: "e"), E = UInt8(ascii: "E")
    let minus = UInt8(ascii: "-"), plus = UInt8(ascii: "+")
    var i = u.startIndex
    let end = u.endIndex
    var intDigits = 0
    while i < end, digit(u[i]) || (u[i] == underscore && intDigits > 0) { intDigits += 1; i += 1 }
    if intDigits == 0 {
      // `.5` form: no sign allowed, needs digits after the dot.
      guard !signed, i < end, u[i] == dot else { return false }
      i += 1
      var frac = 0
      while i < end, digit(u[i]) || u[i] == underscore { frac += 1; i += 1 }
      guard frac > 0 else { return false }
      if i == end { return true }
      guard u[i] == e || u[i] == E else { return false }
      i += 1
      guard i < end, u[i] == minus || u[i] == plus else { return false }
      i += 1
      return i < end && u[i...].allSatisfy(digit)
    }
    if i < end, u[i] == dot {
      i += 1
      while i < end, digit(u[i]) || u[i] == underscore { i += 1 }
    }
    if i == end { return true }
    guard u[i] == e || u[i] == E else { return false }
    i += 1
    if i < end, u[i] == minus || u[i] == plus { i += 1 }
    return i < end && u[i...].allSatisfy(digit)
  }
}
