import GarrisonCore
import GarrisonSeccomp

/// One kernel seccomp audit record (`type=1326`, AUDIT_SECCOMP) as printed to the kernel log, e.g.
/// `audit: type=1326 audit(1795734783.091:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7161
/// comm="a.out" exe="/tmp/a.out" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f... code=0x7ffc0000`.
public struct SeccompAuditRecord: Sendable, Hashable {
  public var pid: Int32
  public var uid: UInt32?
  public var comm: String?
  public var exe: String?
  /// Audit architecture token (`c000003e` = x86_64).
  public var arch: String
  public var syscall: Int
  /// The seccomp action from `code` (`log`, `errno`, `kill_process`, ...).
  public var action: String
  /// Time from `audit(SECONDS.MILLIS:SERIAL)`, when present.
  public var time: AuditTime?

  /// The syscall name on the record's architecture (libseccomp's tables), or `syscall_N` when the architecture or
  /// number is unknown.
  public var syscallName: String {
    if let token = UInt32(arch, radix: 16), let number = Int32(exactly: syscall),
      let name = SyscallTable.name(of: number, auditArch: token)
    {
      return name
    }
    return "syscall_\(syscall)"
  }
}

/// Parses kernel seccomp audit records from `/dev/kmsg` lines (`PRI,SEQ,USEC,FLAGS;text`), `dmesg` lines
/// (`[ 12.3] text`) or bare `audit: ...` text. Lines that are not type 1326 give nil.
public enum SeccompAuditParser {
  /// AUDIT_ARCH_X86_64.
  public static let archX86_64 = "c000003e"

  /// Parses one line; nil if it is not a seccomp audit record. A type=1326 line without pid or syscall throws.
  public static func parse(_ line: String) throws(GarrisonError) -> SeccompAuditRecord? {
    guard let typeRange = line.firstRange(of: "type=1326 ") else { return nil }
    let text = line[typeRange.upperBound...]
    var fields: [Substring: Substring] = [:]
    var time: AuditTime?
    var rest = text[...]
    while !rest.isEmpty {
      rest = rest.drop(while: { $0 == " " })
      guard let eq = rest.firstIndex(where: { $0 == "=" || $0 == " " || $0 == ":" }) else { break }
      if rest[eq] != "=" {
        // The `audit(SECS.MILLIS:SERIAL):` stamp.
        let token = rest[..<(rest[eq...].firstIndex(of: " ") ?? rest.endIndex)]
        if token.hasPrefix("audit("), let close = token.firstIndex(of: ")") {
          let stamp = token[token.index(token.startIndex, offsetBy: 6)..<close]
          let parts = stamp.split(separator: ":")[0].split(separator: ".")
          if let s = Int64(parts[0]) {
            let ms = parts.count > 1 ? Int32(parts[1]) ?? 0 : 0
            time = AuditTime(seconds: s, nanoseconds: ms * 1_000_000)
          }
        }
        rest = rest[token.endIndex...]
        continue
      }
      let key = rest[..<eq]
      var after = rest[rest.index(after: eq)...]
      let value: Substring
      if after.first == "\"" {
        after = after.dropFirst()
        let close = after.firstIndex(of: "\"") ?? after.endIndex
        value = after[..<close]
        rest = close < after.endIndex ? after[after.index(after: close)...] : after[close...]
      } else {
        let end = after.firstIndex(of: " ") ?? after.endIndex
        value = after[..<end]
        rest = after[end...]
      }
      fields[key] = value
    }
    guard let pidText = fields["pid"], let pid = Int32(pidText), let scText = fields["syscall"], let nr = Int(scText)
    else {
      throw GarrisonError(.invalid, operation: "parse seccomp audit record", "type=1326 record without pid or syscall: \(line)")
    }
    return SeccompAuditRecord(
      pid: pid, uid: fields["uid"].flatMap { UInt32($0) }, comm: fields["comm"].map(String.init),
      exe: fields["exe"].map(String.init), arch: fields["arch"].map(String.init) ?? "unknown", syscall: nr,
      action: action(code: fields["code"]), time: time)
  }

  /// Names the seccomp return action in the `code=0x...` field (the SECCOMP_RET_ACTION_FULL bits).
  static func action(code: Substring?) -> String {
    guard var hex = code else { return "unknown" }
    if hex.hasPrefix("0x") { hex = hex.dropFirst(2) }
    guard let v = UInt32(hex, radix: 16) else { return "unknown" }
    switch v & 0xFFFF_0000 {
    case 0x8000_0000: return "kill_process"
    case 0x0000_0000: return "kill_thread"
    case 0x0003_0000: return "trap"
    case 0x0005_0000: return "errno"
    case 0x7FC0_0000: return "user_notif"
    case 0x7FF0_0000: return "trace"
    case 0x7FFC_0000: return "log"
    case 0x7FFF_0000: return "allow"
    default: return "unknown"
    }
  }
}
