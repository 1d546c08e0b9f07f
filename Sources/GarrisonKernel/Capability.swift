import GarrisonCore

/// The Linux capabilities by number (linux/capability.h), a closed vocabulary validated at parse time.
public enum Capability {
  /// `CAP_*` names indexed by capability number.
  public static var names: [String] { CapabilityNames.all }

  /// The number of `name` (`CAP_NET_RAW` → 13), or nil if unknown. Case-sensitive, as in the OCI spec.
  public static func number(_ name: String) -> Int? { names.firstIndex(of: name) }

  /// The highest capability this kernel knows (`/proc/sys/kernel/cap_last_cap`), capped at Garrison's table.
  public static func lastCap() throws(Errno) -> Int {
    let text = try FileIO.readText("/proc/sys/kernel/cap_last_cap")
    guard let n = Int(text.trimmingWhitespace()) else { throw Errno.EINVAL }
    return n
  }

  /// The names of the bits set in `mask`, lowest first.
  public static func names(in mask: UInt64) -> [String] {
    (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { $0 < names.count ? names[$0] : "CAP_\($0)" }
  }
}

extension String {
  /// The string without leading and trailing spaces, tabs and newlines (Foundation-free).
  public func trimmingWhitespace() -> String {
    let ws: Set<Character> = [" ", "\t", "\n", "\r"]
    var s = Substring(self)
    while let f = s.first, ws.contains(f) { s = s.dropFirst() }
    while let l = s.last, ws.contains(l) { s = s.dropLast() }
    return String(s)
  }
}
