import GarrisonCore
import GarrisonKernel
import Glibc

/// Whether an app container may be created ahead (the runtime's `create`: namespaces, mounts, cgroups, working
/// directory and executable lookup, then a wait before `execve`) while the last init container still runs, and
/// only started once every init container has succeeded. A pure decision over the record and the container's
/// prepared root (read through `entry`), so it is table-tested without root.
///
/// `create` fixes what it finds at that moment, so a container is created ahead only when nothing an init
/// container can change is looked at by it: no `subPath` mount (resolved, and created, in the volume), and no
/// working directory, executable (or `PATH` candidate), `/etc/passwd` (read for `HOME` when the env has none) or
/// mount point of another volume that lies, after following the image's symlinks, inside an `emptyDir` or
/// `hostPath` volume (configMap and secret volumes are written before any container starts and are read-only).
/// A pod that shares its pid namespace (`shareProcessNamespace`, `hostPID`) is never created ahead: its init
/// containers would see the waiting process. Such containers take the usual path (`run` at their turn).
public enum EarlyCreate {
  /// What the container's prepared root holds at one path (`readlink` on the host's view of it).
  public enum Entry: Equatable, Sendable {
    case symlink(String)
    case other
    case missing
    /// Not readable here: treated as "may depend on a volume".
    case unreadable
  }

  /// Why `c` must not be created ahead, or nil when it may be. `rootfs` is its mounted root on the host.
  public static func blocker(
    _ c: ContainerRecord, volumes: [VolumeRecord], namespaces: SandboxNamespaces, rootfs: String,
    entry: @escaping (String) -> Entry = { EarlyCreate.entry($0) }
  ) -> String? {
    guard c.role == .app else { return "not an app container" }
    if namespaces.sharePID || namespaces.hostPID { return "the pod shares its pid namespace" }
    if c.volumeMounts.contains(where: { !($0.subPath ?? "").isEmpty }) { return "a subPath mount" }
    let kinds = Dictionary(volumes.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
    var mutable: [String] = []
    var fixed: [String] = []
    for m in c.volumeMounts {
      let path = normalized(m.mountPath)
      if kinds[m.volume] == .configMap || kinds[m.volume] == .secret { fixed.append(path) } else { mutable.append(path) }
    }
    guard !mutable.isEmpty else { return nil }
    let resolver = Resolver(rootfs: rootfs, mutable: mutable, fixed: fixed, entry: entry)
    let process = c.spec.process
    let cwd = normalized(process?.cwd ?? "/")
    if resolver.reachesVolume(cwd, cwd: "/") { return "the working directory \(cwd) is in a volume" }
    let env = process?.env ?? []
    if let name = process?.args?.first, !name.isEmpty {
      var candidates = [name]
      if !name.utf8.contains(UInt8(ascii: "/")) {
        let pathVar =
          env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
          ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        candidates = pathVar.split(separator: ":").map { "\($0)/\(name)" }
      }
      for p in candidates where resolver.reachesVolume(p, cwd: cwd) { return "the executable \(p) may be in a volume" }
    }
    if !env.contains(where: { $0.hasPrefix("HOME=") }) && resolver.reachesVolume("/etc/passwd", cwd: "/") {
      return "/etc/passwd is in a volume"
    }
    for m in c.volumeMounts {
      let parent = PathName.deletingLastComponent(normalized(m.mountPath))
      if resolver.reachesVolume(parent, cwd: "/") { return "the mount point \(m.mountPath) is in a volume" }
    }
    return nil
  }

  /// `readlink(2)` on `path`: its target, or whether it is something else or absent.
  public static func entry(_ path: String) -> Entry {
    do { return .symlink(try Kernel.readlink(path)) } catch {
      switch error {
      case .EINVAL: return .other
      case .ENOENT, .ENOTDIR: return .missing
      default: return .unreadable
      }
    }
  }

  /// `path` without repeated or trailing slashes.
  static func normalized(_ path: String) -> String {
    "/" + path.split(separator: "/").joined(separator: "/")
  }

  /// Resolves container paths in the prepared root as the container will see them (symlinks followed within
  /// the root, `..` never above it), stopping at the first volume mount point it reaches.
  struct Resolver {
    let rootfs: String
    let mutable: [String]
    let fixed: [String]
    let entry: (String) -> Entry

    static func within(_ mounts: [String], _ path: String) -> Bool {
      mounts.contains { $0 == "/" || path == $0 || path.hasPrefix($0 + "/") }
    }

    /// Whether `path` (relative ones from `cwd`) leads into an emptyDir or hostPath volume, or cannot be told.
    func reachesVolume(_ path: String, cwd: String) -> Bool {
      var pending = (path.hasPrefix("/") ? path : cwd + "/" + path).split(separator: "/").map(String.init)
      var resolved: [String] = []
      var hops = 0
      if Self.within(mutable, "/") { return true }
      while !pending.isEmpty {
        let part = pending.removeFirst()
        if part == "." || part.isEmpty { continue }
        if part == ".." {
          _ = resolved.popLast()
          continue
        }
        resolved.append(part)
        let here = "/" + resolved.joined(separator: "/")
        if Self.within(mutable, here) { return true }
        if Self.within(fixed, here) { return false }  // written before any container, read-only
        switch entry(rootfs + here) {
        case .other: continue
        case .missing: return false  // in neither the image nor a volume: the same at create and at start
        case .unreadable: return true
        case .symlink(let target):
          hops += 1
          if hops > 40 { return true }  // ELOOP for the container too; do not guess
          resolved.removeLast()
          if target.hasPrefix("/") { resolved = [] }
          pending = target.split(separator: "/").map(String.init) + pending
        }
      }
      return false
    }
  }
}
