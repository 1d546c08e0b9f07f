import CGarrisonKeeper

/// The CRI log's timestamp, byte for byte what the supervisor writes (`CRILog.timestamp()`, i.e. `AuditTime`):
/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, UTC, from `clock_gettime(CLOCK_REALTIME)`.
enum Timestamp {
  static func now(into out: inout [UInt8]) {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    let seconds = Int64(ts.tv_sec)
    let days = seconds / 86400
    let (y, m, d) = civil(days)
    let sod = seconds - days * 86400
    put(y, 4, &out)
    out.append(UInt8(ascii: "-"))
    put(m, 2, &out)
    out.append(UInt8(ascii: "-"))
    put(d, 2, &out)
    out.append(UInt8(ascii: "T"))
    put(sod / 3600, 2, &out)
    out.append(UInt8(ascii: ":"))
    put(sod / 60 % 60, 2, &out)
    out.append(UInt8(ascii: ":"))
    put(sod % 60, 2, &out)
    out.append(UInt8(ascii: "."))
    put(Int64(ts.tv_nsec), 9, &out)
    out.append(UInt8(ascii: "Z"))
  }

  static func put(_ value: Int64, _ width: Int, _ out: inout [UInt8]) {
    var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
    var v = value
    var k = width - 1
    while k >= 0 {
      digits[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
      v /= 10
      k -= 1
    }
    out.append(contentsOf: digits)
  }

  /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`, as `AuditTime.civil`).
  static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
  }
}
