import GarrisonKernel

/// Everything `garrison-init` needs, fully resolved by the runtime: numbers instead of names, absolute host
/// paths, compiled seccomp BPF. The runtime writes it in binary form (`InitSpecWire`) on fd 3; the init never reads config.json.
public struct InitSpec: Equatable, Sendable {
  /// `create` builds a new container; `exec` joins an existing one.
  public enum Mode: String, Sendable { case create, exec }

  /// A namespace to create (`path == nil`) or join.
  public struct Namespace: Equatable, Sendable {
    /// `CLONE_NEW*` flag.
    public var flag: Int32
    /// OCI type name, for error messages (`network`).
    public var type: String
    public var path: String?
    public init(flag: Int32, type: String, path: String? = nil) {
      self.flag = flag
      self.type = type
      self.path = path
    }
  }

  /// One mount, with options already split into mount flags, propagation flags and data.
  public struct Mount: Equatable, Sendable {
    public var source: String
    /// Absolute path inside the container; resolved with `RESOLVE_IN_ROOT` by the init.
    public var destination: String
    public var type: String
    public var flags: UInt
    /// `MS_PRIVATE`, `MS_SLAVE`, … applied after the mount, each with or without `MS_REC`.
    public var propagation: [UInt]
    public var data: String
    /// A bind mount (`bind`/`rbind` option); the destination is created as a file when the source is one.
    public var bind: Bool
    public var sourceIsDirectory: Bool
    public init(
      source: String, destination: String, type: String, flags: UInt, propagation: [UInt] = [],
      data: String = "", bind: Bool = false, sourceIsDirectory: Bool = true
    ) {
      self.source = source
      self.destination = destination
      self.type = type
      self.flags = flags
      self.propagation = propagation
      self.data = data
      self.bind = bind
      self.sourceIsDirectory = sourceIsDirectory
    }
  }

  /// A device node to create under the container's /dev.
  public struct Device: Equatable, Sendable {
    public var path: String
    /// `S_IFCHR`, `S_IFBLK` or `S_IFIFO`.
    public var type: UInt32
    public var major: UInt32
    public var minor: UInt32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public init(
      path: String, type: UInt32, major: UInt32, minor: UInt32, mode: UInt32, uid: UInt32 = 0,
      gid: UInt32 = 0
    ) {
      self.path = path
      self.type = type
      self.major = major
      self.minor = minor
      self.mode = mode
      self.uid = uid
      self.gid = gid
    }
  }

  /// An rlimit to apply, with the name kept for reports.
  public struct Rlimit: Equatable, Sendable {
    public var resource: Int32
    public var name: String
    public var soft: UInt64
    public var hard: UInt64
    public init(resource: Int32, name: String, soft: UInt64, hard: UInt64) {
      self.resource = resource
      self.name = name
      self.soft = soft
      self.hard = hard
    }
  }

  /// A compiled seccomp filter: raw `struct sock_filter` bytes and `SECCOMP_FILTER_FLAG_*` flags.
  public struct Seccomp: Equatable, Sendable {
    public var bpf: [UInt8]
    public var flags: UInt32
    public init(bpf: [UInt8], flags: UInt32) {
      self.bpf = bpf
      self.flags = flags
    }
  }

  /// Numeric credentials of the container process.
  public struct User: Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    public var umask: UInt32?
    public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32] = [], umask: UInt32? = nil) {
      self.uid = uid
      self.gid = gid
      self.additionalGids = additionalGids
      self.umask = umask
    }
  }

  /// A user-namespace id range: `size` ids from `containerID` inside map to `hostID` outside.
  public struct IDMap: Equatable, Sendable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
      self.containerID = containerID
      self.hostID = hostID
      self.size = size
    }

    /// The host id of container id `id` under `maps`, or nil when unmapped.
    public static func host(_ id: UInt32, in maps: [IDMap]) -> UInt32? {
      for m in maps where id >= m.containerID && UInt64(id) < UInt64(m.containerID) + UInt64(m.size) {
        return m.hostID + (id - m.containerID)
      }
      return nil
    }
  }

  /// One clock's offset in the container's new time namespace (`linux.timeOffsets`), written to
  /// `/proc/self/timens_offsets` before any process enters it.
  public struct TimeOffset: Equatable, Sendable {
    /// `CLOCK_MONOTONIC` (1) or `CLOCK_BOOTTIME` (7).
    public var clock: Int32
    public var seconds: Int64
    public var nanoseconds: UInt32
    public init(clock: Int32, seconds: Int64, nanoseconds: UInt32) {
      self.clock = clock
      self.seconds = seconds
      self.nanoseconds = nanoseconds
    }
  }

  /// The terminal of the process (`process.terminal`): the init opens a pty in the container's devpts, passes
  /// the master out over the console socket (fd 6) and makes the slave its controlling terminal and stdio.
  public struct Terminal: Equatable, Sendable {
    /// `process.consoleSize`, applied with `TIOCSWINSZ` when set.
    public var rows: UInt16?
    public var cols: UInt16?
    public init(rows: UInt16? = nil, cols: UInt16? = nil) {
      self.rows = rows
      self.cols = cols
    }
  }

  public var mode: Mode
  public var namespaces: [Namespace]
  /// Create: the rootfs (absolute host path). Exec: `/proc/<pid>/root` of the container.
  public var rootfs: String
  /// Propagation applied to `/` before anything is mounted (default `MS_REC|MS_PRIVATE`).
  public var rootPropagation: UInt
  public var noPivot: Bool
  public var readonlyRoot: Bool
  public var mounts: [Mount]
  /// Create the default nodes (null, zero, full, random, urandom, tty) and /dev symlinks.
  public var defaultDevices: Bool
  public var devices: [Device]
  public var maskedPaths: [String]
  public var readonlyPaths: [String]
  public var hostname: String?
  public var domainname: String?
  /// `/proc/sys` keys in dotted form, in order.
  public var sysctls: [[String]]
  public var rlimits: [Rlimit]
  public var oomScoreAdj: Int?
  public var apparmorProfile: String?
  public var selinuxLabel: String?
  public var seccomp: Seccomp?
  public var capabilities: CapabilitySets
  public var lastCap: Int
  public var user: User
  public var noNewPrivileges: Bool
  public var cwd: String
  public var args: [String]
  public var env: [String]
  /// Set when the process gets a terminal (nil: stdio is inherited as is).
  public var terminal: Terminal?
  /// The user namespace's maps (written by the runtime when the init creates it; kept for exec and the
  /// attestation, which compares host ids). Empty or nil without a user namespace.
  public var uidMappings: [IDMap]?
  public var gidMappings: [IDMap]?
  /// Offsets of the new time namespace (empty without one, or without offsets).
  public var timeOffsets: [TimeOffset] = []
  /// The `personality(2)` domain to set before the credentials (`PER_LINUX` 0, `PER_LINUX32` 8); nil: inherit.
  public var personality: UInt32?
  /// The OCI hooks the init runs or pauses for (create mode only; nil without any). Runtime-namespace hooks
  /// run in the runtime; only whether to pause for them travels here.
  public var hooks: Hooks?

  /// True when the container has (creates or joins) a user namespace.
  public var hasUserNamespace: Bool { namespaces.contains { $0.flag == LinuxConstants.CLONE_NEWUSER } }
  /// True when the container has no mount namespace of its own (none new, none joined): its mounts are made in
  /// the runtime's mount namespace, below its rootfs, and its root is a chroot (there is nothing to pivot in).
  public var sharesRuntimeMountNamespace: Bool { !namespaces.contains { $0.flag == LinuxConstants.CLONE_NEWNS } }
  /// Whether the init creates a new user namespace (and waits for the runtime to write its id maps).
  public var createsUserNamespace: Bool {
    namespaces.contains { $0.flag == LinuxConstants.CLONE_NEWUSER && $0.path == nil }
  }

  public init(
    mode: Mode, namespaces: [Namespace] = [], rootfs: String, rootPropagation: UInt = 0, noPivot: Bool = false,
    readonlyRoot: Bool = false, mounts: [Mount] = [], defaultDevices: Bool = false, devices: [Device] = [],
    maskedPaths: [String] = [], readonlyPaths: [String] = [], hostname: String? = nil, domainname: String? = nil,
    sysctls: [[String]] = [], rlimits: [Rlimit] = [], oomScoreAdj: Int? = nil, apparmorProfile: String? = nil,
    selinuxLabel: String? = nil, seccomp: Seccomp? = nil, capabilities: CapabilitySets = CapabilitySets(),
    lastCap: Int, user: User, noNewPrivileges: Bool, cwd: String, args: [String], env: [String]
  ) {
    self.mode = mode
    self.namespaces = namespaces
    self.rootfs = rootfs
    self.rootPropagation = rootPropagation
    self.noPivot = noPivot
    self.readonlyRoot = readonlyRoot
    self.mounts = mounts
    self.defaultDevices = defaultDevices
    self.devices = devices
    self.maskedPaths = maskedPaths
    self.readonlyPaths = readonlyPaths
    self.hostname = hostname
    self.domainname = domainname
    self.sysctls = sysctls
    self.rlimits = rlimits
    self.oomScoreAdj = oomScoreAdj
    self.apparmorProfile = apparmorProfile
    self.selinuxLabel = selinuxLabel
    self.seccomp = seccomp
    self.capabilities = capabilities
    self.lastCap = lastCap
    self.user = user
    self.noNewPrivileges = noNewPrivileges
    self.cwd = cwd
    self.args = args
    self.env = env
  }
}
