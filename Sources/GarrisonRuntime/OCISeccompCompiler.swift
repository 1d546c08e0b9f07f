import CSeccomp
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import GarrisonOCI
import GarrisonSeccomp
import Glibc

/// garrison-oci's seccomp compiler: `linux.seccomp` becomes a GarrisonSeccomp `ResolvedSeccompPolicy`
/// (one rule per name, in the config's order) compiled by `SeccompCompiler`, the project's one
/// libseccomp compiler, so a config built from a plan yields exactly the BPF program the plan pinned.
///
/// runc compatibility: a syscall name this libseccomp does not know is skipped with a log line (profiles
/// list syscalls newer than the host), a rule whose action equals the default action is dropped, and
/// the native architecture is always included. Filter flags are not part of the program; the init
/// passes them to seccomp(2) (see `InitSpecBuilder`).
///
/// Compiled programs are kept in the shared `BPFCache` (keyed by the resolved policy's content hash and the
/// libseccomp version), so a start with a known profile reads bytes instead of running libseccomp. The cache is
/// an accelerator, never an authority: the directory must be this user's and closed to others (else it is not
/// used, with a log line), and a config that pins a digest is still checked against the bytes (`SeccompDigestPin`).
public struct OCISeccompCompiler: SeccompBPFCompiling {
  /// Receives one line per skipped syscall name; the default writes it to stderr.
  public var log: @Sendable (String) -> Void
  /// The BPF cache directory; nil compiles every time.
  public var cacheDirectory: String?

  public init(
    cacheDirectory: String? = BPFCache.defaultDirectory(),
    log: @escaping @Sendable (String) -> Void = OCISeccompCompiler.stderrLog
  ) {
    self.cacheDirectory = cacheDirectory
    self.log = log
  }

  /// Writes `garrison-oci: <line>` to standard error.
  public static let stderrLog: @Sendable (String) -> Void = { line in
    StandardError.write("garrison-oci: \(line)\n")
  }

  public func compile(_ profile: RuntimeSpec.Seccomp) throws -> [UInt8] {
    let policy = try policy(profile)
    let cache = openCache()
    if let cache {
      do {
        if let hit = try cache.lookup(policy) { return hit.bytes }
      } catch {
        log("seccomp: BPF cache entry not used (compiling instead): \(error)")
      }
    }
    let program = try SeccompCompiler.compile(policy)
    if let cache {
      do { try cache.store(program, for: policy) } catch { log("seccomp: BPF cache not written: \(error)") }
    }
    return program.bytes
  }

  /// The cache, if it can be used: a missing parent directory means no cache (quietly: nothing is set up
  /// there), a directory someone else could write is refused with a log line.
  func openCache() -> BPFCache? {
    guard let dir = cacheDirectory else { return nil }
    do {
      return try BPFCache(directory: dir)
    } catch let e as GarrisonError where e.errno == ENOENT {
      return nil
    } catch {
      log("seccomp: BPF cache \(dir) not used: \(error)")
      return nil
    }
  }

  /// The resolved policy of `profile`, validated field by field.
  public func policy(_ profile: RuntimeSpec.Seccomp) throws -> ResolvedSeccompPolicy {
    let f = FieldPath("linux.seccomp")
    if profile.listenerPath != nil {
      throw GarrisonError(
        .unenforceable, "seccomp listenerPath (user notification) is not supported",
        field: f / "listenerPath")
    }
    let defaultAction = try Self.action(profile.defaultAction, field: f / "defaultAction")
    let defaultErrno = defaultAction.takesReturnValue ? (profile.defaultErrnoRet ?? UInt32(EPERM)) : nil
    var arches: Set<SeccompArch> = [.native]
    for (i, name) in (profile.architectures ?? []).enumerated() {
      guard let arch = SeccompArch(rawValue: name) else {
        throw GarrisonError(.invalid, "unknown seccomp architecture \(name)", field: f / "architectures" / i)
      }
      arches.insert(arch)
    }
    var flags: [SeccompFilterFlag] = []
    for (i, name) in (profile.flags ?? []).enumerated() {
      guard let flag = SeccompFilterFlag(rawValue: name) else {
        throw GarrisonError(.invalid, "unknown seccomp flag \(name)", field: f / "flags" / i)
      }
      if !flags.contains(flag) { flags.append(flag) }
    }
    let defaultWord = defaultAction.rawValue(errno: defaultErrno ?? 0)
    var rules: [ResolvedSeccompRule] = []
    for (i, rule) in (profile.syscalls ?? []).enumerated() {
      let rf = f / "syscalls" / i
      let action = try Self.action(rule.action, field: rf / "action")
      let errnoRet = action.takesReturnValue ? (rule.errnoRet ?? UInt32(EPERM)) : nil
      let args = try (rule.args ?? []).enumerated().map { j, a in
        guard a.index < 6 else {
          throw GarrisonError(.invalid, "argument index \(a.index) > 5", field: rf / "args" / j / "index")
        }
        guard let op = SeccompOperator(rawValue: a.op) else {
          throw GarrisonError(.invalid, "unknown seccomp comparison \(a.op)", field: rf / "args" / j / "op")
        }
        return ArgCondition(index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: op)
      }
      if action.rawValue(errno: errnoRet ?? 0) == defaultWord { continue }  // libseccomp refuses these; runc skips them
      for (k, name) in rule.names.enumerated() {
        guard !name.isEmpty else { throw GarrisonError(.invalid, "empty syscall name", field: rf / "names" / k) }
        if seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR {
          log(
            "seccomp: skipping unknown syscall \"\(name)\" (\(rf / "names" / k)): libseccomp "
              + "\(SeccompCompiler.libseccompVersion) does not know it on this architecture, as runc does")
          continue
        }
        rules.append(ResolvedSeccompRule(name: name, action: action, errnoRet: errnoRet, args: args))
      }
    }
    return ResolvedSeccompPolicy(
      defaultAction: defaultAction, defaultErrnoRet: defaultErrno,
      architectures: arches.sorted(), flags: flags.sorted(), syscalls: rules)
  }

  static func action(_ name: String, field: FieldPath) throws -> SeccompAction {
    guard let action = SeccompAction(rawValue: name) else {
      throw GarrisonError(.invalid, "unknown seccomp action \(name)", field: field)
    }
    if action == .notify {
      throw GarrisonError(.unenforceable, "seccomp user notification (SCMP_ACT_NOTIFY) is not supported", field: field)
    }
    return action
  }
}
