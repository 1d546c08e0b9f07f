import GarrisonCore

extension RuntimeSpec {
  /// `linux`: namespaces, id mappings, devices, cgroups, seccomp, paths and labels.
  public struct Linux: Codable, Equatable, Sendable {
    public var namespaces: [Namespace]?
    public var uidMappings: [IDMapping]?
    public var gidMappings: [IDMapping]?
    public var devices: [Device]?
    public var cgroupsPath: String?
    public var resources: Resources?
    public var seccomp: Seccomp?
    public var sysctl: [String: String]?
    public var rootfsPropagation: String?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    /// Offsets of a new time namespace, per clock (`monotonic`, `boottime`).
    public var timeOffsets: [String: TimeOffset]?
    /// The execution domain (`personality(2)`) of the container process.
    public var personality: Personality?

    public init(
      namespaces: [Namespace]? = nil, devices: [Device]? = nil, cgroupsPath: String? = nil,
      resources: Resources? = nil, seccomp: Seccomp? = nil, sysctl: [String: String]? = nil,
      maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil, mountLabel: String? = nil
    ) {
      self.namespaces = namespaces
      self.devices = devices
      self.cgroupsPath = cgroupsPath
      self.resources = resources
      self.seccomp = seccomp
      self.sysctl = sysctl
      self.maskedPaths = maskedPaths
      self.readonlyPaths = readonlyPaths
      self.mountLabel = mountLabel
    }
  }

  /// `linux.personality`: `domain` `LINUX` or `LINUX32`; runtime-spec defines no flags yet.
  public struct Personality: Codable, Equatable, Sendable {
    public var domain: String
    public var flags: [String]?
    public init(domain: String, flags: [String]? = nil) {
      self.domain = domain
      self.flags = flags
    }
  }

  /// One clock's offset in a new time namespace (`linux.timeOffsets.<clock>`).
  public struct TimeOffset: Codable, Equatable, Sendable {
    public var secs: Int64?
    public var nanosecs: UInt32?
    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) {
      self.secs = secs
      self.nanosecs = nanosecs
    }
  }

  /// A namespace to create (no path) or join (path).
  public struct Namespace: Codable, Equatable, Sendable {
    /// `pid`, `network`, `mount`, `ipc`, `uts`, `user`, `cgroup`, `time`.
    public var type: String
    public var path: String?
    public init(type: String, path: String? = nil) {
      self.type = type
      self.path = path
    }
  }

  /// A user-namespace id mapping.
  public struct IDMapping: Codable, Equatable, Sendable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
      self.containerID = containerID
      self.hostID = hostID
      self.size = size
    }
  }

  /// A device node to create in the container's /dev.
  public struct Device: Codable, Equatable, Sendable {
    public var type: String
    public var path: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
  }

  /// `linux.resources`: cgroup limits.
  public struct Resources: Codable, Equatable, Sendable {
    public var devices: [DeviceCgroup]?
    public var memory: Memory?
    public var cpu: CPU?
    public var pids: Pids?
    public var unified: [String: String]?
    /// Kept as JSON: `OCIResourceLimits` reads blockIO and hugepageLimits and refuses network and rdma.
    public var blockIO: JSONValue?
    public var hugepageLimits: JSONValue?
    public var network: JSONValue?
    public var rdma: JSONValue?
    public init(devices: [DeviceCgroup]? = nil, memory: Memory? = nil, cpu: CPU? = nil, pids: Pids? = nil) {
      self.devices = devices
      self.memory = memory
      self.cpu = cpu
      self.pids = pids
    }
  }

  /// A device cgroup rule.
  public struct DeviceCgroup: Codable, Equatable, Sendable {
    public var allow: Bool
    public var type: String?
    public var major: Int64?
    public var minor: Int64?
    public var access: String?
    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
      self.allow = allow
      self.type = type
      self.major = major
      self.minor = minor
      self.access = access
    }
  }

  /// Memory limits in bytes.
  public struct Memory: Codable, Equatable, Sendable {
    public var limit: Int64?
    public var reservation: Int64?
    public var swap: Int64?
    /// Deprecated kernel-memory ceiling: run only when `limit` holds it (`OCIResourceLimits`).
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    public var checkBeforeUpdate: Bool?
    public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil) {
      self.limit = limit
      self.reservation = reservation
      self.swap = swap
    }
  }

  /// CPU shares, CFS quota and period, cpuset.
  public struct CPU: Codable, Equatable, Sendable {
    public var shares: UInt64?
    public var quota: Int64?
    public var period: UInt64?
    public var cpus: String?
    public var mems: String?
    /// Decoded only so the runtime can refuse them.
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    public var idle: Int64?
    public var burst: UInt64?
    public init(shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil) {
      self.shares = shares
      self.quota = quota
      self.period = period
    }
  }

  /// Maximum number of tasks.
  public struct Pids: Codable, Equatable, Sendable {
    public var limit: Int64
    public init(limit: Int64) { self.limit = limit }
  }

  /// `linux.seccomp`: the profile in OCI form.
  public struct Seccomp: Codable, Equatable, Sendable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    public var listenerPath: String?
    public var syscalls: [Syscall]?
    public init(
      defaultAction: String, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
      flags: [String]? = nil, syscalls: [Syscall]? = nil
    ) {
      self.defaultAction = defaultAction
      self.defaultErrnoRet = defaultErrnoRet
      self.architectures = architectures
      self.flags = flags
      self.syscalls = syscalls
    }
  }

  /// One seccomp rule: names, action and argument conditions.
  public struct Syscall: Codable, Equatable, Sendable {
    public var names: [String]
    public var action: String
    public var errnoRet: UInt32?
    public var args: [SyscallArg]?
    public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [SyscallArg]? = nil) {
      self.names = names
      self.action = action
      self.errnoRet = errnoRet
      self.args = args
    }
  }

  /// A syscall argument condition (`SCMP_CMP_*`).
  public struct SyscallArg: Codable, Equatable, Sendable {
    public var index: UInt32
    public var value: UInt64
    public var valueTwo: UInt64?
    public var op: String
    public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: String) {
      self.index = index
      self.value = value
      self.valueTwo = valueTwo
      self.op = op
    }
  }
}
