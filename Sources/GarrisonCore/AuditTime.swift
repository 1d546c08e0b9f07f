#if canImport(Glibc)
  import Glibc
#endif

/// A UTC instant with nanosecond precision, printed as fixed-width RFC 3339
/// (`2025-01-02T03:04:05.123456789Z`) so that string order is time order: audit record times and the runtime's
/// container `created` time.
public struct AuditTime: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Seconds since the Unix epoch.
  public var seconds: Int64
  /// Nanoseconds within the second, 0..<1_000_000_000.
  public var nanoseconds: Int32

  public init(seconds: Int64, nanoseconds: Int32 = 0) {
    self.seconds = seconds + Int64(nanoseconds / 1_000_000_000)
    self.nanoseconds = nanoseconds % 1_000_000_000
  }

  /// The current wall-clock time (`clock_gettime(CLOCK_REALTIME)`).
  public static func now() -> AuditTime {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return AuditTime(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
  }

  /// Nanoseconds since the epoch.
  public var totalNanoseconds: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }

  public static func < (a: AuditTime, b: AuditTime) -> Bool {
    (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
  }

  /// Adds whole seconds.
  public func adding(seconds s: Int64) -> AuditTime { AuditTime(seconds: seconds + s, nanoseconds: nanoseconds) }

  /// The RFC 3339 form with 9 fractional digits, always UTC.
  public var description: String {
    var out: [UInt8] = []
    out.reserveCapacity(30)
    writeRFC3339(into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends `description`'s bytes (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`) to `out`.
  public func writeRFC3339(into out: inout [UInt8]) {
    // 1970 to 9999 (every audit record's time): 30 bytes of fixed-width digits, written in place.
    if seconds >= 0 && seconds < 253_402_300_800 && nanoseconds >= 0 {
      let days = seconds / 86400
      let (y, mo, d) = AuditTime.civil(fromDays: days)
      let sod = seconds - days * 86400
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 30) { b in
        func put(_ value: Int64, at start: Int, width: Int) {
          var v = value
          for k in stride(from: start + width - 1, through: start, by: -1) {
            b[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
          }
        }
        put(y, at: 0, width: 4)
        b[4] = UInt8(ascii: "-")
        put(mo, at: 5, width: 2)
        b[7] = UInt8(ascii: "-")
        put(d, at: 8, width: 2)
        b[10] = UInt8(ascii: "T")
        put(sod / 3600, at: 11, width: 2)
        b[13] = UInt8(ascii: ":")
        put(sod / 60 % 60, at: 14, width: 2)
        b[16] = UInt8(ascii: ":")
        put(sod % 60, at: 17, width: 2)
        b[19] = UInt8(ascii: ".")
        put(Int64(nanoseconds), at: 20, width: 9)
        b[29] = UInt8(ascii: "Z")
        out.append(contentsOf: UnsafeBufferPointer(b))
      }
      return
    }
    let days = Int64((Double(seconds) / 86400).rounded(.down))
    let (y, mo, d) = AuditTime.civil(fromDays: days)
    let sod = seconds - days * 86400
    func pad(_ v: Int64, _ w: Int) {
      guard v >= 0 else {  // years before 0: the sign, then the digits, as String(v) writes them
        let s = Array(String(v).utf8)
        if s.count < w { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: w - s.count)) }
        out.append(contentsOf: s)
        return
      }
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var n = 0
        var rest = v
        repeat {
          digits[n] = UInt8(ascii: "0") + UInt8(rest % 10)
          rest /= 10
          n += 1
        } while rest > 0
        if n < w { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: w - n)) }
        for k in stride(from: n - 1, through: 0, by: -1) { out.append(digits[k]) }
      }
    }
    pad(y, 4)
    out.append(UInt8(ascii: "-"))
    pad(mo, 2)
    out.append(UInt8(ascii: "-"))
    pad(d, 2)
    out.append(UInt8(ascii: "T"))
    pad(sod / 3600, 2)
    out.append(UInt8(ascii: ":"))
    pad(sod / 60 % 60, 2)
    out.append(UInt8(ascii: ":"))
    pad(sod % 60, 2)
    out.append(UInt8(ascii: "."))
    pad(Int64(nanoseconds), 9)
    out.append(UInt8(ascii: "Z"))
  }

  /// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`) or a bare date `YYYY-MM-DD` (midnight UTC).
  public init(rfc3339 text: String) throws(GarrisonError) {
    let b = Array(text.utf8)
    func bad() -> GarrisonError {
      GarrisonError(.invalid, operation: "parse time", "not an RFC 3339 time: \"\(text)\"")
    }
    func num(_ from: Int, _ n: Int) throws(GarrisonError) -> Int64 {
      guard from + n <= b.count else { throw bad() }
      var v: Int64 = 0
      for i in from..<(from + n) {
        guard b[i] >= 0x30 && b[i] <= 0x39 else { throw bad() }
        v = v * 10 + Int64(b[i] - 0x30)
      }
      return v
    }
    guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D else { throw bad() }
    let y = try num(0, 4), mo = try num(5, 2), d = try num(8, 2)
    guard (1...12).contains(mo), (1...31).contains(d) else { throw bad() }
    let days = AuditTime.days(fromCivil: y, mo, d)
    if b.count == 10 { self.init(seconds: days * 86400); return }
    guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == 0x20,
      b[13] == 0x3A, b[16] == 0x3A
    else { throw bad() }
    let h = try num(11, 2), mi = try num(14, 2), s = try num(17, 2)
    guard h < 24, mi < 60, s < 61 else { throw bad() }
    var i = 19
    var nanos: Int64 = 0
    if b[i] == UInt8(ascii: ".") {
      i += 1
      var digits = 0
      while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
        if digits < 9 { nanos = nanos * 10 + Int64(b[i] - 0x30) }
        digits += 1
        i += 1
      }
      guard digits > 0 else { throw bad() }
      for _ in min(digits, 9)..<9 { nanos *= 10 }
    }
    guard i < b.count else { throw bad() }
    var offset: Int64 = 0
    if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
      i += 1
    } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
      guard i + 6 == b.count, b[i + 3] == 0x3A else { throw bad() }
      offset = (try num(i + 1, 2) * 3600 + num(i + 4, 2) * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
      i += 6
    } else {
      throw bad()
    }
    guard i == b.count else { throw bad() }
    self.init(seconds: days * 86400 + h * 3600 + mi * 60 + s - offset, nanoseconds: Int32(nanos))
  }

  // Howard Hinnant's civil-from-days algorithms (proleptic Gregorian calendar).
  static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }
}
