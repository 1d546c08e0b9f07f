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
/// Why `unshare --fork --kill-child sleep infinity` rather than a pause container: it needs no image and no
/// runtime round trip (it is ready in a few milliseconds), the supervisor is its parent (so its pid cannot be
/// reused while the supervisor lives), and `--kill-child` ties the namespace holder to it. Namespaces are not
/// bind-mounted, so a crashed supervisor leaves no nsfs mounts behind; the recorded pid and start time identify
/// the process for cleanup.
public struct Sandbox: Sendable {
  /// The `unshare` process; its own net/ipc/uts namespaces are the pod's, its `pid_for_children` the pod's pid ns.
  public let process: ProcessRef
  public let namespaces: SandboxNamespaces

  /// Whether the pod needs a sandbox at all (host network, host IPC and no shared pid namespace need none).
  public static func needed(_ ns: SandboxNamespaces) -> Bool {
    !ns.hostNetwork || !ns.hostIPC || ns.sharePID
  }

  /// Starts the namespace holder.
  public static func start(_ ns: SandboxNamespaces) throws -> Sandbox {
    var argv = ["unshare"]
    if !ns.hostNetwork { argv += ["--net", "--uts"] }
    if !ns.hostIPC { argv.append("--ipc") }
    if ns.sharePID { argv.append("--pid") }
    argv += ["--fork", "--kill-child", "sleep", "infinity"]
    let pid = try Spawn.start(argv)
    // Wait until unshare has switched namespaces (its net ns differs from ours) or exited.
    let deadline = Date(timeIntervalSinceNow: 5)
    let probe = ns.hostNetwork ? (ns.hostIPC ? "pid_for_children" : "ipc") : "net"
    let mine = try? Kernel.readlink("/proc/self/ns/\(probe)")
    while Date() < deadline {
      if let theirs = try? Kernel.readlink("/proc/\(pid)/ns/\(probe)"), theirs != mine, ProcessProbe.startTime(pid) != nil {
        guard let ref = ProcessProbe.ref(pid) else { break }
        // The hostname is set by the runtime from each container's config (the same for every container).
        return Sandbox(process: ref, namespaces: ns)
      }
      usleep(2_000)
    }
    kill(pid, SIGKILL)
    throw GarrisonError(.system, operation: "unshare", "the sandbox process \(pid) did not create its namespaces")
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
