import Foundation
import GarrisonCore
import GarrisonSeccomp

/// What the compiler needs besides the manifest: where policy data lives and the operator's choices.
public struct CompilerOptions: Sendable {
  /// The `Policies/` directory (built-in seccomp profiles, AppArmor templates).
  public var policiesDirectory: String
  /// Root under which `Localhost` seccomp profiles are looked up (kubelet's `<root>/seccomp`).
  public var seccompProfileRoot: String
  /// Like kubelet `--seccomp-default`: an unset seccompProfile means RuntimeDefault. Garrison defaults to true.
  public var seccompDefault: Bool
  /// Sysctls allowed beyond the safe set (kubelet `--allowed-unsafe-sysctls`; `net.*`-style globs ending in `*`).
  public var allowedUnsafeSysctls: [String]
  /// The pids limit of every container (kubelet `--pod-max-pids`); nil: unlimited.
  public var pidsLimit: Int64?
  /// The image's `User` for an image reference, when known (image store); nil: unknown image (assumed root).
  public var imageUser: @Sendable (String) -> String?
  /// Whether seccomp denials are logged by the kernel (SECCOMP_FILTER_FLAG_LOG) for the audit log.
  public var logSeccompDenials: Bool
  /// The kernel the plans are for: profile rules with `minKernel` above it are dropped (nil: all such rules dropped).
  public var kernelVersion: KernelVersion?
  /// Whether to compile each seccomp policy to BPF (cached by content hash) and pin its digest in the plan.
  public var compileBPF: Bool
  /// Where compiled BPF programs are cached (`$GARRISON_SECCOMP_CACHE`, else `<root>/cache/seccomp` as root,
  /// else `~/.cache/garrison/seccomp`).
  public var bpfCacheDirectory: String
  /// `--assume-image-user UID`: the uid of an image the store does not know (instead of "unknown, assumed root").
  public var assumedImageUser: UInt32?
  /// `explain`: a runAsNonRoot container whose uid is unknown (image not in the store) is described with what
  /// would decide it instead of refused. `compile` and `apply` keep refusing it (fail closed).
  public var describeUnknownUser = false
  /// The pod store a derived pod UID belongs to (`apply`: its root directory). A pod without `metadata.uid` gets a
  /// UID derived from its namespace and name, and its cgroup path from that UID; mixing in the store keeps two
  /// stores on one host from deriving the same cgroup for the same namespace/name. nil (`lint`, `explain`,
  /// `compile`): derived from the manifest alone.
  public var podUIDScope: String?

  public init(
    policiesDirectory: String = PolicyLocator.policiesDirectory(),
    seccompProfileRoot: String = "/var/lib/garrison/seccomp", seccompDefault: Bool = true,
    allowedUnsafeSysctls: [String] = [], pidsLimit: Int64? = 4096,
    imageUser: @escaping @Sendable (String) -> String? = { _ in nil }, logSeccompDenials: Bool = true,
    kernelVersion: KernelVersion? = CompilerOptions.runningKernel(), compileBPF: Bool = true,
    bpfCacheDirectory: String = CompilerOptions.defaultBPFCacheDirectory()
  ) {
    self.kernelVersion = kernelVersion
    self.compileBPF = compileBPF
    self.bpfCacheDirectory = bpfCacheDirectory
    self.policiesDirectory = policiesDirectory
    self.seccompProfileRoot = seccompProfileRoot
    self.seccompDefault = seccompDefault
    self.allowedUnsafeSysctls = allowedUnsafeSysctls
    self.pidsLimit = pidsLimit
    self.imageUser = imageUser
    self.logSeccompDenials = logSeccompDenials
  }
}

extension CompilerOptions {
  /// The running kernel's version; nil when it cannot be read (then minKernel rules are dropped: stricter).
  public static func runningKernel() -> KernelVersion? {
    do { return try KernelVersion.running() } catch { return nil }
  }

  /// `BPFCache.defaultDirectory()`: one rule for the compiler and garrison-oci.
  public static func defaultBPFCacheDirectory() -> String { BPFCache.defaultDirectory() }
}

/// Finds the `Policies/` directory: `$GARRISON_POLICIES`, beside the executable's package checkout, the
/// current directory, or `/usr/share/garrison/Policies`.
public enum PolicyLocator {
  public static func policiesDirectory() -> String {
    if let env = ProcessInfo.processInfo.environment["GARRISON_POLICIES"] { return env }
    var candidates: [String] = []
    var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
      candidates.append(dir.appendingPathComponent("Policies").path)
      dir = dir.deletingLastPathComponent()
    }
    candidates.append(FileManager.default.currentDirectoryPath + "/Policies")
    // The source checkout this module was built from (tests, `swift run`).
    var src = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { src = src.deletingLastPathComponent() }
    candidates.append(src.appendingPathComponent("Policies").path)
    candidates.append("/usr/share/garrison/Policies")
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/seccomp") } ?? candidates.last!
  }
}
