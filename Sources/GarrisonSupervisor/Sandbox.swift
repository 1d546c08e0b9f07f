#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// The pod sandbox: a tiny long-lived process that owns the pod's shared network, IPC and UTS namespaces
/// (and the pid namespace with `shareProcessNamespace`). Containers join them through `/proc/<pid>/ns/*`.
///
/// Why `sleep infinity` born in new namespaces rather than a pause container: it needs no image and no runtime
/// round trip. It is started by one `clone3` with the `CLONE_NEW*` flags (`Kernel.spawnInNewNamespaces`), which
/// returns once the child has exec'd, so the namespaces exist when it returns (no process switching namespaces
/// to wait for, no second process). The supervisor is its parent (so its pid cannot be reused while the
/// supervisor lives) and kills it with SIGKILL (as pid 1 of a shared pid namespace it ignores other signals).
/// Namespaces are not bind-mounted, so a crashed supervisor leaves no nsfs mounts behind; the recorded pid and
/// start time identify the process for cleanup.
public struct Sandbox: Sendable {
  /// The namespace holder; its own net/ipc/uts namespaces are the pod's, its pid namespace (`pid_for_children`)
  /// the pod's pid namespace with `shareProcessNamespace`.
  public let process: ProcessRef
  public let namespaces: SandboxNamespaces

  /// Whether the pod needs a sandbox at all (host network, host IPC and no shared pid namespace need none).
  public static func needed(_ ns: SandboxNamespaces) -> Bool {
    !ns.hostNetwork || !ns.hostIPC || ns.sharePID
  }

  /// The namespaces the holder is born with.
  static func cloneFlags(_ ns: SandboxNamespaces) -> Int32 {
    var flags: Int32 = 0
    if !ns.hostNetwork { flags |= LinuxConstants.CLONE_NEWNET | LinuxConstants.CLONE_NEWUTS }
    if !ns.hostIPC { flags |= LinuxConstants.CLONE_NEWIPC }
    if ns.sharePID { flags |= LinuxConstants.CLONE_NEWPID }
    return flags
  }

  /// The holder's program: coreutils' `sleep` from the fixed system directories (never from the caller's PATH).
  static func sleepExecutable() throws -> String {
    for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where Kernel.isExecutable(dir + "/sleep") { return dir + "/sleep" }
    throw GarrisonError(.system, operation: "sandbox", "no sleep executable in /usr/bin or /bin for the pod sandbox")
  }

  /// Starts the namespace holder.
  public static func start(_ ns: SandboxNamespaces) throws -> Sandbox {
    let path = try sleepExecutable()
    let pid: pid_t
    do {
      pid = try Kernel.spawnInNewNamespaces(
        path, arguments: ["sleep", "infinity"], environment: ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"],
        namespaceFlags: cloneFlags(ns))
    } catch {
      throw GarrisonError(.system, operation: "clone3", "cannot start the pod sandbox", errno: error.rawValue)
    }
    guard let ref = ProcessProbe.ref(pid) else {
      kill(pid, SIGKILL)
      throw GarrisonError(.system, operation: "clone3", "the sandbox process \(pid) exited at once")
    }
    // The hostname is set by the runtime from each container's config (the same for every container).
    return Sandbox(process: ref, namespaces: ns)
  }

  /// Sets the pod's hostname once, in the sandbox's UTS namespace (containers join it and do not set it:
  /// garrison-oci refuses `hostname` without a UTS namespace of the container's own). `sethostname(2)` on a
  /// thread that joined the namespace: the name (from the manifest) never reaches a host tool's command line.
  public func setHostname(_ name: String) throws {
    guard !namespaces.hostNetwork else { return }
    guard !name.isEmpty, name.utf8.count <= 64, !name.utf8.contains(0) else {
      throw GarrisonError(
        .invalid, "Invalid value: \"\(ContainedPath.printable(name))\": not a hostname", field: FieldPath("spec.hostname"))
    }
    try NamespaceThread.run(joining: [.init(path: path("uts"), type: LinuxConstants.CLONE_NEWUTS)]) {
      try Self.sethostname(name)
    }
  }

  private static func sethostname(_ name: String) throws(GarrisonError) {
    do { try Kernel.sethostname(name) } catch {
      throw GarrisonError(.system, operation: "sethostname", "cannot set the pod's hostname", errno: error.rawValue)
    }
  }

  /// The namespace file of `type` (`net`, `ipc`, `uts`, `pid_for_children`).
  public func path(_ type: String) -> String { "/proc/\(process.pid)/ns/\(type)" }

  /// `linux.namespaces` entries that join the sandbox instead of creating fresh namespaces.
  public func joinEntries() -> [String: String] {
    var out: [String: String] = [:]
    if !namespaces.hostNetwork {
      out["network"] = path("net")
      out["uts"] = path("uts")
    }
    if !namespaces.hostIPC { out["ipc"] = path("ipc") }
    if namespaces.sharePID { out["pid"] = path("pid_for_children") }
    return out
  }

}
