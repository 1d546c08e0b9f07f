import GarrisonCgroups
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel

/// A `cgroup` mount on a v1 or hybrid host, as runc lays it out: a tmpfs at the destination and, below
/// it, each v1 hierarchy mounted by name (`memory`, `cpu`, `systemd`, …) plus the unified hierarchy at
/// `unified`, so a container in its own cgroup namespace reads its own limits
/// (`/sys/fs/cgroup/memory/memory.limit_in_bytes`). On a unified host, or without a new cgroup
/// namespace, the single cgroup2 mount `InitSpecBuilder` makes is kept.
enum CgroupMountExpansion {
  /// `mounts` with each cgroup2 mount made from a `cgroup` entry expanded; `layout` returning nil detects the host's
  /// (called only when there is such a mount).
  static func expand(_ mounts: [InitSpec.Mount], cgroupNamespace: Bool, layout: () throws -> CgroupLayout? = { nil }) throws
    -> [InitSpec.Mount]
  {
    guard cgroupNamespace, mounts.contains(where: { $0.type == "cgroup2" && $0.source == "cgroup2" }) else { return mounts }
    let layout = try layout() ?? CgroupLayout.detect()
    guard layout.mode != .unified else { return mounts }
    var out: [InitSpec.Mount] = []
    for m in mounts {
      guard m.type == "cgroup2" && m.source == "cgroup2" else {
        out.append(m)
        continue
      }
      let base = m.destination.hasSuffix("/") ? String(m.destination.dropLast()) : m.destination
      // The tmpfs holds only the mount points; it keeps nosuid/nodev/noexec but not ro (the init creates
      // the mount points in it); every cgroup mount below carries the entry's flags, ro included.
      out.append(
        .init(
          source: "tmpfs", destination: base, type: "tmpfs", flags: m.flags & ~LinuxConstants.MS_RDONLY,
          data: "mode=755"))
      for h in layout.v1 {
        let name = h.mountPoint.split(separator: "/").last.map(String.init) ?? (h.name ?? "")
        guard !name.isEmpty else { continue }
        let options = h.controllers.sorted() + (h.name.map { ["none", "name=\($0)"] } ?? [])
        out.append(
          .init(
            source: "cgroup", destination: base + "/" + name, type: "cgroup", flags: m.flags,
            data: options.joined(separator: ",")))
      }
      if let u = layout.unified {
        let name = u.mountPoint.split(separator: "/").last.map(String.init) ?? "unified"
        out.append(.init(source: "cgroup2", destination: base + "/" + name, type: "cgroup2", flags: m.flags, data: m.data))
      }
    }
    return out
  }
}
