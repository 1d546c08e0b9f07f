#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonKernel
import Glibc

/// An on-disk cache of compiled programs, keyed by the sha256 of the resolved policy's canonical JSON plus
/// the libseccomp version, so a warm compile is one file read. Files are `<key>.bpf` (raw sock_filter bytes).
///
/// The cache is trusted input to the enforcement path, so the directory must be owned by this user and not
/// writable by group or others; otherwise every operation throws instead of reading possibly planted files.
public struct BPFCache: Sendable {
  public let directory: String

  /// Creates the directory (mode 0700) if needed and checks its ownership and mode.
  public init(directory: String) throws {
    self.directory = directory
    if mkdir(directory, 0o700) != 0 && errno != EEXIST {
      throw GarrisonError(.system, operation: "mkdir", "cannot create BPF cache \(directory)", errno: errno)
    }
    var st = stat()
    guard lstat(directory, &st) == 0 else {
      throw GarrisonError(.system, operation: "lstat", "cannot stat BPF cache \(directory)", errno: errno)
    }
    guard (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == geteuid(), st.st_mode & 0o022 == 0 else {
      throw GarrisonError(
        .refused, operation: "check BPF cache",
        "\(directory) must be a directory owned by uid \(geteuid()) and not writable by group or others")
    }
  }

  /// The cache key for a policy: sha256 of its canonical JSON and the libseccomp version.
  public static func key(for policy: ResolvedSeccompPolicy) throws -> String {
    var data = try policy.canonicalJSON()
    data.append(contentsOf: Array("\nlibseccomp \(SeccompCompiler.libseccompVersion)".utf8))
    return SHA256Hex.of(data)
  }

  /// Returns the cached program or compiles, stores and returns it.
  public func program(for policy: ResolvedSeccompPolicy) throws -> BPFProgram {
    if let hit = try lookup(policy) { return hit }
    let program = try SeccompCompiler.compile(policy)
    try store(program, for: policy)
    return program
  }

  /// The cached program for `policy`, or nil on a miss. The entry must be a regular file of at most
  /// `maxEntryBytes` holding whole instructions.
  public func lookup(_ policy: ResolvedSeccompPolicy) throws -> BPFProgram? {
    let path = try self.path(for: policy)
    let bytes: [UInt8]
    do {
      bytes = try FileIO.readRegular(path, limit: Self.maxEntryBytes)
    } catch {
      if error.rawValue == ENOENT { return nil }
      throw GarrisonError(.system, operation: "read \(path)", "cannot read BPF cache entry", errno: error.rawValue)
    }
    return try BPFProgram(bytes: bytes, filterFlags: policy.flags)
  }

  /// The largest entry read: far above the kernel's own limit (BPF_MAXINSNS, 4,096 instructions of 8 bytes).
  public static let maxEntryBytes = 1 << 20

  /// Writes the program atomically (`FileIO.replace`: temporary file + rename).
  public func store(_ program: BPFProgram, for policy: ResolvedSeccompPolicy) throws {
    try FileIO.replace(try self.path(for: policy), with: program.bytes, mode: 0o600, durable: false)
  }

  /// The cache of a Garrison state root: `<root>/cache/seccomp`, shared by the compiler (`apply`, `compile`)
  /// and by garrison-oci when the pod supervisor runs it (`$GARRISON_SECCOMP_CACHE`).
  public static func directory(root: String) -> String { root + "/cache/seccomp" }

  /// The default cache: `$GARRISON_SECCOMP_CACHE`; else, as root, the state root's (`$GARRISON_ROOT`, default
  /// `/var/lib/garrison`); else `$XDG_CACHE_HOME/garrison/seccomp` (default `~/.cache/garrison/seccomp`).
  public static func defaultDirectory() -> String {
    if let d = Environment.value("GARRISON_SECCOMP_CACHE") { return d }
    if geteuid() == 0 { return directory(root: Environment.value("GARRISON_ROOT") ?? "/var/lib/garrison") }
    let home = Environment.value("HOME") ?? "/"
    return (Environment.value("XDG_CACHE_HOME") ?? (home + "/.cache")) + "/garrison/seccomp"
  }

  public func path(for policy: ResolvedSeccompPolicy) throws -> String {
    directory + "/" + (try Self.key(for: policy)) + ".bpf"
  }
}
