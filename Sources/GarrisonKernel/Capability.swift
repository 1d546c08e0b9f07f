/// The Linux capabilities by number (linux/capability.h), a closed vocabulary validated at parse time.
public enum Capability {
  /// `CAP_*` names indexed by capability number.
  public static let names: [String] = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
  ]

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
