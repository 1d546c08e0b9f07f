/// The implicit type of a YAML scalar, decided the way Kubernetes' YAML reader (YAML 1.1) does, without regular
/// expressions or tag resolution: `YAMLDocument.scalarKind` types plain scalars here. Quoted and block scalars are
/// always strings.
enum ScalarKind: Equatable {
  case string, integer, float, bool, null

  /// `of(plain:)` on UTF-8 bytes, without making a `String` for ASCII text (the usual case); other text takes
  /// the `String` path, whose `Character` rules then decide.
  static func of(plainUTF8 t: UnsafeBufferPointer<UInt8>) -> ScalarKind {
    if t.contains(where: { $0 >= 0x80 || $0 < 0x20 }) { return of(plain: String(decoding: t, as: UTF8.self)) }
    return ASCIIScalar.kind(t)
  }

  static let nulls: Set<String> = ["", "~", "null", "Null", "NULL"]
  static let trues: Set<String> = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
  static let falses: Set<String> = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]

  static func of(plain t: String) -> ScalarKind {
    if nulls.contains(t) { return .null }
    if trues.contains(t) || falses.contains(t) { return .bool }
    if isInteger(t) { return .integer }
    if isFloat(t) { return .float }
    return .string
  }

  static func bool(_ t: String) -> Bool? { trues.contains(t) ? true : (falses.contains(t) ? false : nil) }

  /// `[-+]?(0b[01_]+ | 0o?[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+)`
  static func isInteger(_ text: String) -> Bool {
    var u = Substring(text)
    if u.first == "-" || u.first == "+" { u = u.dropFirst() }
    guard let first = u.first else { return false }
    func all(_ s: Substring, _ ok: (Character) -> Bool) -> Bool { !s.isEmpty && s.allSatisfy(ok) }
    if u.hasPrefix("0b") { return all(u.dropFirst(2)) { $0 == "0" || $0 == "1" || $0 == "_" } }
    if u.hasPrefix("0x") { return all(u.dropFirst(2)) { $0.isHexDigit || $0 == "_" } }
    if u.hasPrefix("0o") { return all(u.dropFirst(2)) { ("0"..."7").contains($0) || $0 == "_" } }
    if first == "0" { return u.count == 1 || all(u.dropFirst()) { ("0"..."7").contains($0) || $0 == "_" } }
    return ("1"..."9").contains(first) && u.dropFirst().allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") }
  }

  /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
  static func isFloat(_ text: String) -> Bool {
    if [".nan", ".NaN", ".NAN"].contains(text) { return true }
    var u = Substring(text)
    let signed = u.first == "-" || u.first == "+"
    if signed { u = u.dropFirst() }
    if [".inf", ".Inf", ".INF"].contains(u) { return true }
    func digit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    var i = u.startIndex
    var intDigits = 0
    while i < u.endIndex, digit(u[i]) || (u[i] == "_" && intDigits > 0) { intDigits += 1; i = u.index(after: i) }
    if intDigits == 0 {
      // `.5` form: no sign allowed, needs digits after the dot.
      guard !signed, i < u.endIndex, u[i] == "." else { return false }
      i = u.index(after: i)
      var frac = 0
      while i < u.endIndex, digit(u[i]) || u[i] == "_" { frac += 1; i = u.index(after: i) }
      guard frac > 0 else { return false }
      if i == u.endIndex { return true }
      guard u[i] == "e" || u[i] == "E" else { return false }
      i = u.index(after: i)
      guard i < u.endIndex, u[i] == "-" || u[i] == "+" else { return false }
      i = u.index(after: i)
      return i < u.endIndex && u[i...].allSatisfy(digit)
    }
    if i < u.endIndex, u[i] == "." {
      i = u.index(after: i)
      while i < u.endIndex, digit(u[i]) || u[i] == "_" { i = u.index(after: i) }
    }
    if i == u.endIndex { return true }
    guard u[i] == "e" || u[i] == "E" else { return false }
    i = u.index(after: i)
    if i < u.endIndex, u[i] == "-" || u[i] == "+" { i = u.index(after: i) }
    return i < u.endIndex && u[i...].allSatisfy(digit)
  }
}
