import Glibc

/// The current time as RFC 3339 UTC with nanoseconds (`2026-11-27T04:45:49.123456789Z`, runc's `created`
/// format), from `clock_gettime` and `gmtime_r`: no Foundation date formatter to load on the runtime's hot path.
public enum UTCTimestamp {
  public static func now() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = tm()
    var seconds = ts.tv_sec
    gmtime_r(&seconds, &t)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1, 2))-\(pad(Int(t.tm_mday), 2))T"
      + "\(pad(Int(t.tm_hour), 2)):\(pad(Int(t.tm_min), 2)):\(pad(Int(t.tm_sec), 2)).\(pad(ts.tv_nsec, 9))Z"
  }
}
