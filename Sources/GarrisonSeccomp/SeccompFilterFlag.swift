/// A flag passed to `seccomp(SECCOMP_SET_MODE_FILTER, flags, …)` when the filter is installed.
///
/// Flags are not part of the BPF program: the installer (garrison-init) must pass them to seccomp(2).
public enum SeccompFilterFlag: String, Codable, Sendable, CaseIterable, Comparable {
  case tsync = "SECCOMP_FILTER_FLAG_TSYNC"
  case log = "SECCOMP_FILTER_FLAG_LOG"
  case specAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
  case waitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"

  /// The kernel's bit for this flag (`<linux/seccomp.h>`).
  public var bit: UInt32 {
    switch self {
    case .tsync: return 1 << 0
    case .log: return 1 << 1
    case .specAllow: return 1 << 2
    case .waitKillableRecv: return 1 << 5
    }
  }

  public static func < (lhs: SeccompFilterFlag, rhs: SeccompFilterFlag) -> Bool { lhs.bit < rhs.bit }
}
