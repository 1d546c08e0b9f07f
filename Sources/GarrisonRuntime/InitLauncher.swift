import CGarrisonLinux
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// Starts `garrison-init`, handing it the spec socket on fd 3, the sync socket on fd 4 and, for `create`, the
/// start FIFO on fd 5: with glibc `posix_spawn`, or, into the container's cgroup v2 directory, with `gr_spawn`
/// (`clone3`), whose child runs only async-signal-safe C up to `execve`. No Swift code ever runs in a forked copy of the runtime.
///
/// CVE-2019-5736: the init is executed through a handle no container process can write through
/// (`SealedInit`: a private read-only overlayfs mount, or a sealed memfd copy where the kernel cannot make
/// one), so a container process that opens `/proc/<init>/exe` never reaches a writable host binary. The host
/// binary itself is never mounted into or reachable from the rootfs. A long-lived process (a pod supervisor)
/// makes the handle once per init binary version (`SealedInitCache`).
public struct InitLauncher: Sendable {
  /// Path of the static `garrison-init` on the host.
  public var initPath: String
  /// An empty directory the runtime owns: the second, empty lower layer of the read-only overlay.
  public var scratchDirectory: String

  public init(initPath: String, scratchDirectory: String = "/run/garrison-oci/.init-lower") {
    self.initPath = initPath
    self.scratchDirectory = scratchDirectory
  }

  /// Finds garrison-init: `$GARRISON_INIT`, else next to the running executable.
  public static func locate() throws -> InitLauncher {
    if let path = Environment.value("GARRISON_INIT") { return InitLauncher(initPath: path) }
    let exe: String
    do { exe = try Kernel.readlink("/proc/self/exe") } catch {
      throw GarrisonError(
        .system, operation: "readlink /proc/self/exe", "cannot locate garrison-init",
        errno: error.rawValue)
    }
    let candidate = PathName.join(PathName.deletingLastComponent(exe), "garrison-init")
    guard access(candidate, X_OK) == 0 else {
      throw GarrisonError(.notFound, "garrison-init not found next to \(exe); set GARRISON_INIT")
    }
    return InitLauncher(initPath: candidate)
  }

  /// Makes the sealed handle on garrison-init ahead of use (see `WarmUp`); errors are left for `spawn`.
  public func warmUp() {
    _ = try? sealedDescriptor()
  }

  private func sealedDescriptor() throws -> Int32 {
    try SealedInitCache.shared.descriptor(for: initPath) {
      try SealedInit.open(initPath: initPath, scratchDirectory: scratchDirectory)
    }
  }

  /// Closes what making the sealed handle left to close (`SealedInitCache.closeDetachedMounts`); the runtime
  /// calls it while it waits for the init anyway.
  public func closeDetachedMounts() {
    SealedInitCache.shared.closeDetachedMounts()
  }

  /// A running init: its pid (the pre-fork parent), the runtime's end of the sync socket, the runtime's end of
  /// the spec socket (`sendSpec`), and whether it was born in the requested cgroup v2 directory (false: the
  /// caller still has to move the container process).
  public struct Handle {
    public var spawnedPID: Int32
    public var sync: Int32
    public var specSocket: Int32
    public var bornInCgroups: Bool
    /// The init was spawned into a new pid namespace (`EarlyUnshare`): it is the container process itself and
    /// reports no `pid`.
    public var bornInPidNamespace = false
  }

  /// Spawns the init, before its spec exists: it starts up while the runtime builds the spec and writes the
  /// cgroup limits (`sendSpec`, then the sync protocol's `cgroups`). `startFIFO` is an fd opened read-write on
  /// the start FIFO (create mode only); `consoleSocket` a connected console socket, handed over as fd 6 (only
  /// for a terminal). With `cgroupV2Directory`, the init starts life in it (`clone3(CLONE_INTO_CGROUP)`); a
  /// kernel without that (before 5.7), or `GARRISON_OCI_PLACE_BY_PROCS=1`, gets a plain spawn and
  /// `bornInCgroups` false. On error every descriptor made here is closed.
  /// `earlyUnshare`: namespaces the init creates before its spec arrives (`EarlyUnshare`; 0 for none); a new
  /// pid namespace among them is made by the clone3 spawn (`bornInPidNamespace`), or else left to the init.
  /// `extraFDs`: this process's descriptors 3…3+n-1, handed to the init for the container process
  /// (`PreservedFDs`).
  public func spawn(
    startFIFO: Int32?, consoleSocket: Int32? = nil, cgroupV2Directory: String? = nil,
    earlyUnshare: Int32 = 0, extraFDs: Int = 0
  ) throws -> Handle {
    let cachedExe = try sealedDescriptor()
    // Every descriptor handed over is first moved to `floor` or above, so the dup2s onto 3…6 and onto the
    // preserved range cannot collide; the executable (run as /proc/self/fd/N) is there too.
    let floor = PreservedFDs.base + Int32(extraFDs)
    let exeFD = fcntl(cachedExe, F_DUPFD_CLOEXEC, floor)
    guard exeFD >= 0 else {
      throw GarrisonError(.system, operation: "fcntl(F_DUPFD_CLOEXEC)", "cannot pass garrison-init", errno: Glibc.errno)
    }
    defer { Glibc.close(exeFD) }
    var sync: [Int32] = [-1, -1]
    var spec: [Int32] = [-1, -1]
    guard gr_socketpair_stream(&sync) == 0 else {
      throw GarrisonError(.system, operation: "socketpair", "cannot create sync socket", errno: Glibc.errno)
    }
    defer { Glibc.close(sync[1]) }
    guard gr_socketpair_stream(&spec) == 0 else {
      let e = Glibc.errno
      Glibc.close(sync[0])
      throw GarrisonError(.system, operation: "socketpair", "cannot create spec socket", errno: e)
    }
    defer { Glibc.close(spec[1]) }
    let preserved = (0..<Int32(extraFDs)).map { 3 + $0 }
    let targets =
      [SyncProtocol.specFD, SyncProtocol.syncFD, SyncProtocol.startFD, SyncProtocol.consoleFD]
      + preserved.map { PreservedFDs.base + $0 - 3 }
    let high = ([spec[1], sync[1], startFIFO ?? -1, consoleSocket ?? -1] + preserved).map {
      $0 < 0 ? -1 : fcntl($0, F_DUPFD_CLOEXEC, floor)
    }
    defer { for fd in high where fd >= 0 { Glibc.close(fd) } }
    if let missing = zip(high, targets).first(where: { $0.0 < 0 && $0.1 >= PreservedFDs.base }) {
      let fd = missing.1 - PreservedFDs.base + 3
      Glibc.close(sync[0])
      Glibc.close(spec[0])
      throw GarrisonError(.invalid, "descriptor \(fd), to be passed to the container, is not open")
    }
    let dups = zip(high, targets).filter { $0.0 >= 0 }
    var command = SpawnCommand(path: "/proc/self/fd/\(exeFD)", from: dups.map(\.0), to: dups.map(\.1))
    // A new pid namespace from the spawn itself only through clone3; posix_spawn leaves it to the init.
    var cloned = command
    cloned.arguments +=
      InitArguments(
        earlyUnshare: earlyUnshare, tracePhases: PhaseTrace.enabled,
        preservedFDs: extraFDs
      ).rendered
    cloned.namespaceFlags = UInt64(earlyUnshare & LinuxConstants.CLONE_NEWPID)
    command.arguments +=
      InitArguments(
        earlyUnshare: EarlyUnshare.unsharedAtStart(earlyUnshare),
        tracePhases: PhaseTrace.enabled, preservedFDs: extraFDs
      ).rendered
    do {
      PhaseTrace.mark("spawn prepared")
      if let cgroupV2Directory, !InitLauncher.placeByProcs,
        let pid = try cloned.spawnIntoCgroup(cgroupV2Directory)
      {
        return Handle(
          spawnedPID: pid, sync: sync[0], specSocket: spec[0], bornInCgroups: true,
          bornInPidNamespace: cloned.namespaceFlags != 0)
      }
      let pid = try command.posixSpawn()
      return Handle(spawnedPID: pid, sync: sync[0], specSocket: spec[0], bornInCgroups: cgroupV2Directory == nil)
    } catch {
      Glibc.close(sync[0])
      Glibc.close(spec[0])
      throw GarrisonError(.system, operation: "spawn \(initPath)", "cannot start garrison-init", errno: error.rawValue)
    }
  }

  /// Sends the spec (`InitSpecWire`) on the spec socket and closes it: the init reads fd 3 to end of file.
  public static func sendSpec(_ spec: InitSpec, to handle: Handle) throws {
    defer { Glibc.close(handle.specSocket) }
    do {
      try FileIO.send(fd: handle.specSocket, InitSpecWire.encode(spec))
    } catch {
      throw GarrisonError(.system, operation: "send init spec", "lost contact with garrison-init", errno: error.rawValue)
    }
  }

  /// `GARRISON_OCI_PLACE_BY_PROCS=1`: never spawn into the cgroups; move the container process with
  /// `cgroup.procs` writes instead, the path kernels without `CLONE_INTO_CGROUP` take (for comparison and tests).
  static let placeByProcs = getenv("GARRISON_OCI_PLACE_BY_PROCS").map { String(cString: $0) == "1" } ?? false

  /// One spawn of garrison-init: executable path, descriptors to dup2 (`from[i]` onto `to[i]`), a minimal
  /// environment, all signals at their defaults and unblocked.
  struct SpawnCommand {
    var path: String
    var from: [Int32]
    var to: [Int32]
    /// The command line, program name first.
    var arguments = ["garrison-init"]
    /// `CLONE_NEW*` flags the child is born with (clone3 only).
    var namespaceFlags: UInt64 = 0
    /// The environment: only the Swift runtime's, switching off its crash backtracer, whose set-up (a search
    /// for swift-backtrace, terminal probes) costs garrison-init about 0.2 ms of every start. Nothing the init
    /// starts inherits it: the container process and every hook get an explicit environment.
    var environment = ["SWIFT_BACKTRACE=enable=no"]

    /// glibc posix_spawn (vfork-like: cheap for a large parent).
    func posixSpawn() throws(Errno) -> Int32 {
      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      defer { posix_spawn_file_actions_destroy(&actions) }
      for (f, t) in zip(from, to) { posix_spawn_file_actions_adddup2(&actions, f, t) }
      var attr = SpawnAttributes()
      defer { attr.destroy() }
      var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
      var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
      defer { for a in argv + envp { free(a) } }
      var pid: pid_t = 0
      let rc = posix_spawn(&pid, path, &actions, &attr.value, &argv, &envp)
      guard rc == 0 else { throw Errno(rawValue: rc) }
      return pid
    }

    /// `clone3` into the cgroup2 `directory`; nil where the kernel cannot (no clone3 or `CLONE_INTO_CGROUP`
    /// before 5.7, or a seccomp sandbox around us refusing clone3): the caller spawns plainly and the
    /// container process is moved with cgroup.procs, which reports its own error if that is refused too.
    func spawnIntoCgroup(_ directory: String) throws(Errno) -> Int32? {
      let cgroupFD = Glibc.open(directory, LinuxConstants.O_PATH | O_DIRECTORY | O_CLOEXEC)
      guard cgroupFD >= 0 else { throw Errno.current }
      defer { Glibc.close(cgroupFD) }
      do {
        return try clone3(cgroupFD: cgroupFD)
      } catch {
        if error.rawValue == ENOSYS || error.rawValue == EINVAL || error.rawValue == EPERM { return nil }
        throw error
      }
    }

    /// `gr_spawn`: clone3, into the cgroup2 directory `cgroupFD` unless it is -1.
    func clone3(cgroupFD: Int32) throws(Errno) -> Int32 {
      var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
      var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
      defer { for a in argv + envp { free(a) } }
      let pid = gr_spawn(path, &argv, &envp, from, to, Int32(from.count), cgroupFD, namespaceFlags)
      guard pid > 0 else { throw Errno(rawValue: errno) }
      return pid
    }
  }
}

/// Sealed handles on garrison-init (`SealedInit`), one per (device, inode, size, mtime) of the binary, kept open for the
/// life of the process. The copies are immutable, so sharing one between concurrent spawns is safe.
final class SealedInitCache: @unchecked Sendable {
  static let shared = SealedInitCache()
  private let lock = Lock()
  private var copies: [String: Int32] = [:]
  private var detachedMounts: [Int32] = []

  func descriptor(for path: String, make: () throws -> SealedInit.Handle) throws -> Int32 {
    var st = stat()
    guard stat(path, &st) == 0 else {
      throw GarrisonError(.notFound, operation: "stat \(path)", "cannot find garrison-init", errno: Glibc.errno)
    }
    let key = "\(st.st_dev):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    lock.lock()
    defer { lock.unlock() }
    if let fd = copies[key] { return fd }
    let handle = try make()
    copies[key] = handle.fd
    if handle.detachedMount >= 0 { detachedMounts.append(handle.detachedMount) }
    return handle.fd
  }

  /// Closes the detached overlay mounts' descriptors (the handles keep the mounts alive), off the path where a
  /// spawn waits for the handle: dissolving a detached mount's namespace waits for an RCU grace period.
  func closeDetachedMounts() {
    lock.lock()
    let mounts = detachedMounts
    detachedMounts = []
    lock.unlock()
    for fd in mounts { Glibc.close(fd) }
  }
}
