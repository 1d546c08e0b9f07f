import GarrisonKernel
/// A seccomp action as spelled in OCI/moby profiles (`SCMP_ACT_*`), a closed vocabulary.
///
/// `SCMP_ACT_ERRNO(x)` and `SCMP_ACT_TRACE(x)` are function-like C macros that Swift cannot import,
/// so ``rawValue(errno:)`` computes the same 32-bit values as `<seccomp.h>`:
/// `SCMP_ACT_ERRNO(x) = 0x00050000 | (x & 0xffff)`, `SCMP_ACT_TRACE(x) = 0x7ff00000 | (x & 0xffff)`.
public enum SeccompAction: String, Codable, Sendable, CaseIterable, Comparable {
  case killProcess = "SCMP_ACT_KILL_PROCESS"
  case killThread = "SCMP_ACT_KILL_THREAD"
  /// Legacy alias of ``killThread`` (libseccomp defines `SCMP_ACT_KILL` as `SCMP_ACT_KILL_THREAD`).
  case kill = "SCMP_ACT_KILL"
  case trap = "SCMP_ACT_TRAP"
  case errno = "SCMP_ACT_ERRNO"
  case trace = "SCMP_ACT_TRACE"
  case log = "SCMP_ACT_LOG"
  case allow = "SCMP_ACT_ALLOW"
  case notify = "SCMP_ACT_NOTIFY"

  /// Whether the action carries a 16-bit return value (`errnoRet` in the profile).
  public var takesReturnValue: Bool { self == .errno || self == .trace }

  /// The libseccomp action word; `errno` is the `errnoRet` data for ERRNO/TRACE (ignored otherwise).
  public func rawValue(errno: UInt32) -> UInt32 {
    typealias C = LinuxConstants
    switch self {
    case .killProcess: return C.SECCOMP_RET_KILL_PROCESS
    case .killThread, .kill: return C.SECCOMP_RET_KILL_THREAD
    case .trap: return C.SECCOMP_RET_TRAP
    case .errno: return C.SECCOMP_RET_ERRNO | (errno & C.SECCOMP_RET_DATA)  // SCMP_ACT_ERRNO(x)
    case .trace: return C.SECCOMP_RET_TRACE | (errno & C.SECCOMP_RET_DATA)  // SCMP_ACT_TRACE(x)
    case .log: return C.SECCOMP_RET_LOG
    case .allow: return C.SECCOMP_RET_ALLOW
    case .notify: return C.SECCOMP_RET_USER_NOTIF
    }
  }

  public static func < (lhs: SeccompAction, rhs: SeccompAction) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The decision a seccomp filter returns for one system call (the kernel's `SECCOMP_RET_*` word decoded).
public enum SeccompDecision: Hashable, Sendable, CustomStringConvertible {
  case allow
  case errno(UInt16)
  case killProcess
  case killThread
  case trap(UInt16)
  case trace(UInt16)
  case log
  case notify
  /// A return word this decoder does not know (reported, never treated as allow).
  case unknown(UInt32)

  /// Decodes a filter return word using the kernel's `SECCOMP_RET_ACTION_FULL` mask (0xffff0000).
  public init(returnValue: UInt32) {
    typealias C = LinuxConstants
    let data = UInt16(returnValue & C.SECCOMP_RET_DATA)
    switch returnValue & ~C.SECCOMP_RET_DATA {
    case C.SECCOMP_RET_KILL_PROCESS: self = .killProcess
    case C.SECCOMP_RET_KILL_THREAD: self = .killThread
    case C.SECCOMP_RET_TRAP: self = .trap(data)
    case C.SECCOMP_RET_ERRNO: self = .errno(data)
    case C.SECCOMP_RET_USER_NOTIF: self = .notify
    case C.SECCOMP_RET_TRACE: self = .trace(data)
    case C.SECCOMP_RET_LOG: self = .log
    case C.SECCOMP_RET_ALLOW: self = .allow
    default: self = .unknown(returnValue)
    }
  }

  public var description: String {
    switch self {
    case .allow: return "allow"
    case .errno(let e): return "errno(\(e))"
    case .killProcess: return "kill-process"
    case .killThread: return "kill-thread"
    case .trap(let d): return "trap(\(d))"
    case .trace(let d): return "trace(\(d))"
    case .log: return "log"
    case .notify: return "notify"
    case .unknown(let v): return "unknown(0x\(String(v, radix: 16)))"
    }
  }
}
