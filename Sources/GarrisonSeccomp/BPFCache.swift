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

  /// The cached program for `policy`, or nil on a miss.
  public func lookup(_ policy: ResolvedSeccompPolicy) throws -> BPFProgram? {
    let path = try self.path(for: policy)
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try BPFProgram(bytes: Array(data), filterFlags: policy.flags)
  }

  /// Writes the program atomically (`FileIO.replace`: temporary file + rename).
  public func store(_ program: BPFProgram, for policy: ResolvedSeccompPolicy) throws {
    try FileIO.replace(try self.path(for: policy), with: program.bytes, mode: 0o600, durable: false)
  }

  public func path(for policy: ResolvedSeccompPolicy) throws -> String {
    directory + "/" + (try Self.key(for: policy)) + ".bpf"
  }
}
