import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// The filesystem half of container creation: propagation, rootfs bind, spec mounts, /dev nodes,
/// pivot_root (or MS_MOVE + chroot), then masked and read-only paths and the read-only root.
struct RootfsSetup {
  let spec: InitSpec
  typealias C = LinuxConstants

  /// Everything up to and including the root switch. Runs in the container's mount namespace (or the runtime's,
  /// for a container without one). `beforeRootSwitch` runs
  /// once every mount and device is in place and the host's mount view is still there (the OCI hooks).
  func prepareAndPivot(beforeRootSwitch: () throws(InitFailure) -> Void = {}) throws(InitFailure) {
    // As runc: `rootfsPropagation` (default rprivate) on the whole view first, so that no mount event of the
    // container reaches the host unless asked; then the mount holding the rootfs is made private (a shared
    // parent would make the self-bind propagate and pivot_root fail with EINVAL, an unbindable one the bind);
    // the requested propagation is applied to the new root after the switch, once its last bind (masked and
    // read-only paths, /dev/console) is made (end of `finalize`: a bind from an unbindable mount fails).
    // Without a mount namespace of its own (`sharesRuntimeMountNamespace`) the view is the runtime's: `/` is
    // left alone, and the self-bind is made private instead, so that the mounts below it stay out of every other
    // namespace; `delete` detaches that bind and everything below it.
    let shared = spec.sharesRuntimeMountNamespace
    if !shared {
      let propagation = spec.rootPropagation == 0 ? (C.MS_REC | C.MS_PRIVATE) : spec.rootPropagation
      try step("set / mount propagation") { () throws(Errno) in
        try Kernel.mount(source: nil, target: "/", type: nil, flags: propagation, data: nil)
      }
      if spec.rootPropagation != 0 { try makeRootfsParentPrivate() }
    }
    try step("bind rootfs \(spec.rootfs) onto itself") { () throws(Errno) in
      try Kernel.mount(source: spec.rootfs, target: spec.rootfs, type: nil, flags: C.MS_BIND | C.MS_REC, data: nil)
    }
    if shared {
      try step("make the rootfs bind \(spec.rootfs) private") { () throws(Errno) in
        try Kernel.mount(source: nil, target: spec.rootfs, type: nil, flags: C.MS_REC | C.MS_PRIVATE, data: nil)
      }
    }
    let rootFD = try step("open rootfs \(spec.rootfs)") { () throws(Errno) -> Int32 in
      try Kernel.open(spec.rootfs, flags: C.O_PATH | C.O_DIRECTORY)
    }
    defer { Kernel.close(rootFD) }
    let root = ContainedRoot(rootFD: rootFD, rootName: "rootfs")
    for (index, mount) in spec.mounts.enumerated() {
      try mountOne(mount, index: index, root: root)
    }
    if spec.defaultDevices { try createDefaultDevices(root: root) }
    for device in spec.devices { try createDevice(device, root: root) }
    try beforeRootSwitch()
    if shared {
      // No namespace to pivot in: chroot, as runc and crun do. CAP_SYS_CHROOT, which could leave it, is not in
      // the process's sets (`GrantWithheld.chrootWithoutMountNamespace`).
      try step("chdir to rootfs \(spec.rootfs)") { () throws(Errno) in try Kernel.fchdir(rootFD) }
      try step("chroot to rootfs (no mount namespace)") { () throws(Errno) in try Kernel.chroot(".") }
    } else if spec.noPivot {
      try step("chdir to rootfs \(spec.rootfs)") { () throws(Errno) in try Kernel.fchdir(rootFD) }
      try step("move rootfs \(spec.rootfs) to / (--no-pivot)") { () throws(Errno) in
        try Kernel.mount(source: ".", target: "/", type: nil, flags: C.MS_MOVE, data: nil)
      }
      try step("chroot to rootfs (--no-pivot)") { () throws(Errno) in try Kernel.chroot(".") }
    } else {
      // As runc: a descriptor of the old root, to stand in it after the switch. The working directory is the new
      // root, with the old root stacked on top of it; `mount(".")` from there resolves to the new root (only
      // umount follows the mount on top), so the rslave below would hit every container mount and a
      // `rootfsPropagation: rshared` container would lose the way back to the host (critest's Bidirectional
      // mount case: a mount made in the container must appear on the host).
      let oldRoot = try step("open old /") { () throws(Errno) -> Int32 in
        try Kernel.open("/", flags: C.O_PATH | C.O_DIRECTORY)
      }
      defer { Kernel.close(oldRoot) }
      try step("chdir to rootfs \(spec.rootfs)") { () throws(Errno) in try Kernel.fchdir(rootFD) }
      try step("pivot_root to \(spec.rootfs)") { () throws(Errno) in try Kernel.pivotRoot(".", ".") }
      try step("chdir to old root") { () throws(Errno) in try Kernel.fchdir(oldRoot) }
      // Stop propagation from the old root (it is about to go), then detach it.
      try step("make old root a slave") { () throws(Errno) in
        try Kernel.mount(source: nil, target: ".", type: nil, flags: C.MS_SLAVE | C.MS_REC, data: nil)
      }
      try step("unmount old root") { () throws(Errno) in try Kernel.unmount(".", flags: C.MNT_DETACH) }
    }
    try step("chdir to new /") { () throws(Errno) in try Kernel.chdir("/") }
  }

  /// runc's `rootfsParentMountPrivate`: `MS_PRIVATE` (not recursive) on the mount the rootfs path is on, found
  /// by walking up from the rootfs until `mount` stops failing with EINVAL (not a mount point).
  private func makeRootfsParentPrivate() throws(InitFailure) {
    var path = spec.rootfs
    while true {
      do {
        try Kernel.mount(source: nil, target: path, type: nil, flags: C.MS_PRIVATE, data: nil)
        return
      } catch let err where err == .EINVAL && path != "/" {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        path = "/" + parent
      } catch {
        throw InitFailure("make the mount holding \(spec.rootfs) private (at \(path))", error.description)
      }
    }
  }

  private func mountOne(_ m: InitSpec.Mount, index: Int, root: ContainedRoot) throws(InitFailure) {
    let what = "mount \(m.source) on \(m.destination) (mounts[\(index)])"
    let target = try root.openCreating(m.destination, file: m.bind && !m.sourceIsDirectory)
    defer { Kernel.close(target) }
    if m.bind {
      let rec = m.flags & C.MS_REC
      try step(what) { () throws(Errno) in
        try Kernel.mount(source: m.source, target: fdPath(target), type: nil, flags: C.MS_BIND | rec, data: nil)
      }
      let extra = m.flags & ~(C.MS_BIND | C.MS_REC)
      if extra != 0 {
        // The descriptor still names the covered directory: reopen to reach the new mount.
        guard let mounted = try root.openExisting(m.destination) else {
          throw InitFailure(what, "destination vanished after bind")
        }
        defer { Kernel.close(mounted) }
        // A bind remount sets every flag anew: keep the source mount's nosuid/nodev/noexec (as runc does).
        let kept = try step("statvfs \(m.destination) (mounts[\(index)])") { () throws(Errno) -> UInt in
          try Kernel.restrictiveMountFlags(mounted)
        }
        try step("remount \(m.destination) with options (mounts[\(index)])") { () throws(Errno) in
          try Kernel.mount(
            source: nil, target: fdPath(mounted), type: nil,
            flags: C.MS_BIND | C.MS_REMOUNT | extra | kept, data: nil)
        }
      }
    } else {
      try step(what + " type \(m.type)") { () throws(Errno) in
        try Kernel.mount(
          source: m.source, target: fdPath(target), type: m.type, flags: m.flags,
          data: m.data.isEmpty ? nil : m.data)
      }
    }
    if !m.propagation.isEmpty {
      guard let mounted = try root.openExisting(m.destination) else {
        throw InitFailure(what, "destination vanished after mount")
      }
      defer { Kernel.close(mounted) }
      for p in m.propagation {
        try step("set propagation of \(m.destination) (mounts[\(index)])") { () throws(Errno) in
          try Kernel.mount(source: nil, target: fdPath(mounted), type: nil, flags: p, data: nil)
        }
      }
    }
  }

  /// The nodes every container gets (as runc and crun create them) and the /dev symlinks.
  private func createDefaultDevices(root: ContainedRoot) throws(InitFailure) {
    let nodes: [(String, UInt32, UInt32)] = [
      ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]
    for (name, major, minor) in nodes {
      try createDevice(
        InitSpec.Device(path: "/dev/\(name)", type: C.S_IFCHR, major: major, minor: minor, mode: 0o666), root: root)
    }
    let dev = try step("open /dev in rootfs") { () throws(Errno) -> Int32 in
      try Kernel.openat2(root.rootFD, "/dev", flags: C.O_RDONLY | C.O_DIRECTORY, resolve: ContainedRoot.resolve)
    }
    defer { Kernel.close(dev) }
    let links = [
      ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
      ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx"),
    ]
    for (name, target) in links {
      do {
        try Kernel.symlinkat(target: target, dev, name)
      } catch let err where err == .EEXIST {
        continue
      } catch {
        throw InitFailure("symlink /dev/\(name) -> \(target)", error.description)
      }
    }
  }

  private func createDevice(_ d: InitSpec.Device, root: ContainedRoot) throws(InitFailure) {
    // mknod is refused in a user namespace: bind the host's node instead (as runc and crun do). The host
    // path is the same /dev path; the node keeps the host's owner and mode.
    if spec.hasUserNamespace {
      let target = try root.openCreating(d.path, file: true)
      defer { Kernel.close(target) }
      try step("bind host \(d.path) onto \(d.path) (user namespace: no mknod)") { () throws(Errno) in
        try Kernel.mount(source: d.path, target: fdPath(target), type: nil, flags: C.MS_BIND, data: nil)
      }
      return
    }
    var parts = d.path.split(separator: "/").map(String.init)
    guard let name = parts.popLast() else { throw InitFailure("create device \(d.path)", "empty path") }
    let parent = try root.openCreating("/" + parts.joined(separator: "/"), file: false)
    Kernel.close(parent)
    let dir = try step("open parent of \(d.path)") { () throws(Errno) -> Int32 in
      try Kernel.openat2(
        root.rootFD, "/" + parts.joined(separator: "/"), flags: C.O_RDONLY | C.O_DIRECTORY,
        resolve: ContainedRoot.resolve)
    }
    defer { Kernel.close(dir) }
    do {
      try Kernel.mknodat(dir, name, type: d.type, mode: d.mode, major: d.major, minor: d.minor)
    } catch let err where err == .EEXIST {
      return  // already there (e.g. listed twice); left as the image has it
    } catch {
      throw InitFailure("mknod \(d.path) \(d.major):\(d.minor)", error.description)
    }
    try step("chmod \(d.path) to \(String(d.mode, radix: 8))") { () throws(Errno) in
      _ = try checkZero(fchmodat(dir, name, mode_t(d.mode & 0o7777), 0))
    }
    try step("chown \(d.path) to \(d.uid):\(d.gid)") { () throws(Errno) in
      try Kernel.fchownat(dir, name, uid: d.uid, gid: d.gid)
    }
  }

  /// After the root switch: masked paths, read-only paths, read-only root.
  func finalize() throws(InitFailure) {
    let rootFD = try step("open new /") { () throws(Errno) -> Int32 in
      try Kernel.open("/", flags: C.O_PATH | C.O_DIRECTORY)
    }
    defer { Kernel.close(rootFD) }
    let root = ContainedRoot(rootFD: rootFD, rootName: "container")
    for path in spec.readonlyPaths {
      guard let fd = try root.openExisting(path) else { continue }
      defer { Kernel.close(fd) }
      try step("bind read-only path \(path)") { () throws(Errno) in
        try Kernel.mount(source: fdPath(fd), target: fdPath(fd), type: nil, flags: C.MS_BIND | C.MS_REC, data: nil)
      }
      guard let again = try root.openExisting(path) else { throw InitFailure("remount \(path)", "vanished") }
      defer { Kernel.close(again) }
      try step("remount read-only path \(path) ro") { () throws(Errno) in
        try Kernel.mount(
          source: nil, target: fdPath(again), type: nil,
          flags: C.MS_BIND | C.MS_REMOUNT | C.MS_RDONLY | C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC,
          data: nil)
      }
    }
    for path in spec.maskedPaths {
      guard let fd = try root.openExisting(path) else { continue }
      defer { Kernel.close(fd) }
      let mode = try step("stat masked path \(path)") { () throws(Errno) -> UInt32 in try Kernel.fileMode(fd) }
      if mode & C.S_IFMT == C.S_IFDIR {
        try step("mask directory \(path) with read-only tmpfs") { () throws(Errno) in
          try Kernel.mount(source: "tmpfs", target: fdPath(fd), type: "tmpfs", flags: C.MS_RDONLY, data: nil)
        }
      } else {
        try step("mask \(path) with /dev/null") { () throws(Errno) in
          try Kernel.mount(source: "/dev/null", target: fdPath(fd), type: nil, flags: C.MS_BIND, data: nil)
        }
      }
    }
    if spec.readonlyRoot {
      let keep = try step("statvfs /") { () throws(Errno) -> UInt in try Kernel.restrictiveMountFlags(rootFD) }
      try step("remount / read-only") { () throws(Errno) in
        try Kernel.mount(
          source: nil, target: "/", type: nil, flags: C.MS_BIND | C.MS_REMOUNT | C.MS_RDONLY | keep,
          data: nil)
      }
    }
    if spec.rootPropagation != 0 {
      try step("apply rootfsPropagation to the new /") { () throws(Errno) in
        try Kernel.mount(source: nil, target: "/", type: nil, flags: spec.rootPropagation, data: nil)
      }
    }
  }
}

/// Maps a 0/-1 C result to `Errno`.
@inline(__always)
func checkZero(_ result: Int32) throws(Errno) -> Int32 {
  if result == -1 { throw Errno.current }
  return result
}
