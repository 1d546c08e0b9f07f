import ArgumentParser
import GarrisonAudit
import GarrisonCore

#if canImport(Glibc)
  import Glibc
#endif

/// `garrison audit`: verify, summarise, follow and export the tamper-evident audit log.
public struct AuditCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Verify, report on, follow and export the tamper-evident audit log.",
    subcommands: [
      AuditVerifyCommand.self, AuditReportCommand.self, AuditTailCommand.self, AuditExportCommand.self,
      AuditCheckpointCommand.self, AuditAppendCommand.self, AuditGenerateCommand.self,
    ]
  )
  public init() {}
}

/// Options every audit subcommand takes: where the log lives.
struct AuditLocationOptions: ParsableArguments {
  @Option(name: .long, help: "Garrison state root (default $GARRISON_ROOT or /var/lib/garrison).")
  var root: String?

  @Option(name: .customLong("audit-dir"), help: "Audit log directory (default <root>/audit).")
  var auditDir: String?

  /// The audit directory to use.
  var directory: String {
    auditDir ?? AuditPaths.directory(root: root)
  }
}

/// The optional HMAC key for keyed chains.
struct AuditKeyOptions: ParsableArguments {
  @Option(name: .customLong("hmac-key-file"), help: "File holding the HMAC key of a keyed chain (at least 16 bytes).")
  var hmacKeyFile: String?

  func key() throws -> [UInt8]? {
    guard let hmacKeyFile else { return nil }
    return try auditRun { () throws(GarrisonError) -> [UInt8] in try AuditKeyFile.read(hmacKeyFile) }
  }
}

/// Filters shared by report, tail and export.
struct AuditFilterOptions: ParsableArguments {
  @Option(help: "Only events at or after this RFC 3339 time or date.") var since: String?
  @Option(help: "Only events before this RFC 3339 time or date.") var until: String?
  @Option(name: [.customShort("n"), .long], help: "Only events of this Kubernetes namespace.") var namespace: String?
  @Option(help: "Only events of this pod.") var pod: String?
  @Option(help: "Only events of this kind (repeatable).") var kind: [String] = []

  func filter() throws -> AuditFilter {
    try auditRun { () throws(GarrisonError) -> AuditFilter in
      var kinds = Set<AuditKind>()
      for k in kind { kinds.insert(try AuditKind(parsing: k)) }
      return AuditFilter(
        since: try since.map { (s) throws(GarrisonError) in try AuditTime(rfc3339: s) },
        until: try until.map { (s) throws(GarrisonError) in try AuditTime(rfc3339: s) },
        namespace: namespace, pod: pod, kinds: kinds)
    }
  }
}

/// Runs `body`; a `GarrisonError` is printed to stderr and becomes its documented exit code.
func auditRun<T>(_ body: () throws(GarrisonError) -> T) throws -> T {
  do {
    return try body()
  } catch {
    var stderr = StandardError()
    print("garrison: \(error)", to: &stderr)
    throw ExitCode(error.exitCode)
  }
}

/// Writes text to standard error.
struct StandardError: TextOutputStream {
  mutating func write(_ string: String) { _ = string.withCString { Glibc.write(2, $0, strlen($0)) } }
}

/// Writes `text` to `path` (or stdout when nil), failing loudly.
func auditWriteOutput(_ text: String, to path: String?) throws {
  let out = try AuditOutput(path: path)
  try out.write(text)
  try out.close()
}

/// Prints a GarrisonError and returns the exit code to throw.
func auditFail(_ error: GarrisonError) -> ExitCode {
  var stderr = StandardError()
  print("garrison: \(error)", to: &stderr)
  return ExitCode(error.exitCode)
}

/// Buffered output to a file or standard output, for exports too large to build in memory.
final class AuditOutput {
  private let fd: Int32
  private let path: String
  private var buffer: [UInt8] = []

  /// Opens `path` for writing (truncating), or standard output when nil.
  init(path: String?) throws {
    self.path = path ?? "-"
    if let path {
      fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
      if fd < 0 {
        throw auditFail(
          GarrisonError(.system, operation: "open", "cannot write \(path): \(String(cString: strerror(errno)))", errno: errno))
      }
    } else {
      fd = 1
    }
    buffer.reserveCapacity(1 << 20)
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 20 { try flush() }
  }

  func flush() throws {
    var off = 0
    while off < buffer.count {
      let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, buffer.count - off) }
      if n < 0 {
        if errno == EINTR { continue }
        throw auditFail(GarrisonError(.system, operation: "write", "cannot write \(path)", errno: errno))
      }
      off += n
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes and closes (standard output is left open).
  func close() throws {
    try flush()
    if fd != 1 && Glibc.close(fd) != 0 {
      throw auditFail(GarrisonError(.system, operation: "close", "cannot write \(path)", errno: errno))
    }
  }
}
