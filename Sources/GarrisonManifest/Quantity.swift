import BigInt

/// A Kubernetes resource quantity (`500m`, `0.5`, `128Mi`, `1G`, `129e6`, `1.5Gi`), parsed exactly as
/// `k8s.io/apimachinery/pkg/api/resource.ParseQuantity` does: the same grammar, the same accepted oddities
/// (`1.G`, a bare sign meaning zero), the same rejections (`1Mib`, `1K`, `1e`, `.5i`), rounding up to
/// nano units and clamping to 2^63-1.
public struct Quantity: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The value in nano units (10^-9), exact after Kubernetes' rounding.
  let nanos: BigInt
  /// The text the quantity was written as.
  public let original: String

  /// Why a quantity string was rejected (Kubernetes' two error kinds).
  public enum ParseError: Error, Equatable, CustomStringConvertible {
    /// `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`
    case formatWrong
    /// `unable to parse quantity's suffix`
    case badSuffix
    /// `unable to parse numeric part of quantity`
    case numeric

    public var description: String {
      switch self {
      case .formatWrong:
        return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
      case .badSuffix: return "unable to parse quantity's suffix"
      case .numeric: return "unable to parse numeric part of quantity"
      }
    }
  }

  private static let maxAllowedNanos = BigInt(Int64.max) * BigInt(1_000_000_000)

  /// Parses a quantity; throws `ParseError` for what Kubernetes rejects.
  public init(parsing text: String) throws {
    let s = Array(text.utf8)
    if s.isEmpty { throw ParseError.formatWrong }
    var pos = 0
    var positive = true
    if s[0] == UInt8(ascii: "-") { positive = false; pos = 1 } else if s[0] == UInt8(ascii: "+") { pos = 1 }
    func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    // Leading zeros are dropped; a string of only sign and zeros is zero.
    while pos < s.count && s[pos] == UInt8(ascii: "0") { pos += 1 }
    if pos >= s.count { self.init(nanos: 0, original: text); return }
    let numStart = pos
    while pos < s.count && isDigit(s[pos]) { pos += 1 }
    var num = String(decoding: s[numStart..<pos], as: UTF8.self)
    if num.isEmpty { num = "0" }
    var denom = ""
    if pos < s.count && s[pos] == UInt8(ascii: ".") {
      pos += 1
      let d = pos
      while pos < s.count && isDigit(s[pos]) { pos += 1 }
      denom = String(decoding: s[d..<pos], as: UTF8.self)
    }
    let suffixStart = pos
    while pos < s.count && Quantity.isSuffixLetter(s[pos]) { pos += 1 }
    if pos < s.count && (s[pos] == UInt8(ascii: "-") || s[pos] == UInt8(ascii: "+")) { pos += 1 }
    while pos < s.count && isDigit(s[pos]) { pos += 1 }
    if pos < s.count { throw ParseError.formatWrong }
    let suffix = String(decoding: s[suffixStart...], as: UTF8.self)
    guard let (base, exponent) = Quantity.interpret(suffix: suffix) else { throw ParseError.badSuffix }
    if let nanos = Quantity.smallNanos(num, denom, positive: positive, base: base, exponent: exponent) {
      self.init(nanos: BigInt(nanos), original: text)
      return
    }
    // Binary suffixes with a fraction, and every decimal form, are computed exactly.
    guard let digits = Quantity.digits(num, denom) else { throw ParseError.numeric }
    var value = digits * (positive ? 1 : -1)
    var exp10 = -denom.count + 9  // in nano units
    if base == 10 {
      exp10 += exponent
    } else {
      value *= BigInt(1) << exponent
    }
    var result: BigInt
    // A decimal exponent far beyond int64's range decides the result alone; computing 10^|exp10| exactly
    // (`1e2147483647`: billions of digits) would hang. Any non-zero value times 10^29 or more nanos is over
    // the clamp (2^63-1 units < 10^28 nanos); |value| < 10^(digits + 19) (a binary suffix adds at most 2^60),
    // so a smaller power rounds up to one nano unit, away from zero.
    if value == 0 {
      result = 0
    } else if exp10 > 28 {
      result = value.signum() > 0 ? Quantity.maxAllowedNanos : -Quantity.maxAllowedNanos
    } else if -exp10 > num.count + denom.count + 19 {
      result = BigInt(value.signum())
    } else if exp10 >= 0 {
      result = value * BigInt(10).power(exp10)
    } else {
      let divisor = BigInt(10).power(-exp10)
      let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
      // inf.RoundUp: away from zero.
      result = r == 0 ? q : (value.signum() > 0 ? q + 1 : q - 1)
    }
    if result > Quantity.maxAllowedNanos { result = Quantity.maxAllowedNanos }
    if result < -Quantity.maxAllowedNanos { result = -Quantity.maxAllowedNanos }
    self.init(nanos: result, original: text)
  }

  /// One of the suffix letters of the grammar, `[eEinumkKMGTP]`.
  private static func isSuffixLetter(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "m"),
      UInt8(ascii: "k"), UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G"), UInt8(ascii: "T"), UInt8(ascii: "P"):
      return true
    default: return false
    }
  }

  /// The nanos `init(parsing:)` computes, in `Int64` arithmetic, when the digits are few and every step fits
  /// (the usual quantity: `250m`, `128Mi`, `1.5Gi`); nil otherwise (the exact `BigInt` path then decides). A result
  /// that fits in an `Int64` is far below the clamp.
  private static func smallNanos(_ num: String, _ denom: String, positive: Bool, base: Int, exponent: Int) -> Int64? {
    guard num.utf8.count + denom.utf8.count <= 18 else { return nil }
    var n: Int64 = 0
    for b in num.utf8 { n = n * 10 + Int64(b &- UInt8(ascii: "0")) }
    for b in denom.utf8 { n = n * 10 + Int64(b &- UInt8(ascii: "0")) }
    var value = positive ? n : -n
    var exp10 = -denom.utf8.count + 9
    if base == 10 {
      exp10 += exponent
    } else {
      guard exponent >= 0, exponent <= 62 else { return nil }
      let (v, overflow) = value.multipliedReportingOverflow(by: Int64(1) << Int64(exponent))
      guard !overflow else { return nil }
      value = v
    }
    if value == 0 { return 0 }
    guard exp10 >= -18, exp10 <= 18 else { return nil }
    var power: Int64 = 1
    for _ in 0..<abs(exp10) { power *= 10 }
    if exp10 >= 0 {
      let (v, overflow) = value.multipliedReportingOverflow(by: power)
      return overflow ? nil : v
    }
    let (q, r) = value.quotientAndRemainder(dividingBy: power)
    // inf.RoundUp: away from zero.
    return r == 0 ? q : (value > 0 ? q + 1 : q - 1)
  }

  /// The integer the decimal digits `num` then `denom` spell (`BigInt(num + denom)`): read as an `Int64` when
  /// they are few, which is the usual quantity, without text-to-`BigInt` conversion.
  private static func digits(_ num: String, _ denom: String) -> BigInt? {
    guard num.utf8.count + denom.utf8.count <= 18 else { return BigInt(num + denom) }
    var n: Int64 = 0
    for b in num.utf8 { n = n * 10 + Int64(b &- UInt8(ascii: "0")) }
    for b in denom.utf8 { n = n * 10 + Int64(b &- UInt8(ascii: "0")) }
    return BigInt(n)
  }

  init(nanos: BigInt, original: String) {
    self.nanos = nanos
    self.original = original
  }

  /// Kubernetes' suffixer: decimal SI, binary SI, or a decimal exponent.
  static func interpret(suffix: String) -> (base: Int, exponent: Int)? {
    switch suffix {
    case "": return (10, 0)
    case "n": return (10, -9)
    case "u": return (10, -6)
    case "m": return (10, -3)
    case "k": return (10, 3)
    case "M": return (10, 6)
    case "G": return (10, 9)
    case "T": return (10, 12)
    case "P": return (10, 15)
    case "E": return (10, 18)
    case "Ki": return (2, 10)
    case "Mi": return (2, 20)
    case "Gi": return (2, 30)
    case "Ti": return (2, 40)
    case "Pi": return (2, 50)
    case "Ei": return (2, 60)
    default:
      guard suffix.count > 1, let first = suffix.first, first == "e" || first == "E",
        let exp = Int32(suffix.dropFirst())
      else { return nil }
      return (10, Int(exp))
    }
  }

  /// The value in whole units, rounded up (Kubernetes `Quantity.Value()`).
  public var value: Int64 { Quantity.ceilDiv(nanos, 1_000_000_000) }
  /// The value in thousandths, rounded up (Kubernetes `Quantity.MilliValue()`), e.g. CPU millicores.
  public var milliValue: Int64 { Quantity.ceilDiv(nanos, 1_000_000) }
  /// Whether the quantity is zero.
  public var isZero: Bool { nanos == 0 }
  /// Whether the quantity is below zero (Kubernetes refuses such requests, limits and sizes).
  public var isNegative: Bool { nanos < 0 }

  private static func ceilDiv(_ n: BigInt, _ d: Int64) -> Int64 {
    let (q, r) = n.quotientAndRemainder(dividingBy: BigInt(d))
    let up = r > 0 ? q + 1 : q
    if up > BigInt(Int64.max) { return Int64.max }
    if up < BigInt(Int64.min) { return Int64.min }
    return Int64(up)
  }

  public var description: String { original }
  public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.nanos < rhs.nanos }
  public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.nanos == rhs.nanos }
  public func hash(into hasher: inout Hasher) { hasher.combine(nanos) }
}
