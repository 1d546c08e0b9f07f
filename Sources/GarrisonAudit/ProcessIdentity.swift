import GarrisonCore
import GarrisonKernel
#if canImport(Glibc)
  import Glibc
#endif

/// The host name and actor (uid, pid, command line) of the current process, as recorded in each event.
enum ProcessIdentity {
  static func hostName() -> String { (try? Kernel.hostname()) ?? "unknown" }

  static func actor() -> AuditActor {
    var args: [String] = []
    if let bytes = try? AuditIO.readAll("/proc/self/cmdline") {  // informational only; empty when unreadable
      args = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
      if args.last == "" { args.removeLast() }
    }
    return AuditActor(uid: getuid(), pid: getpid(), commandLine: args)
  }
}
