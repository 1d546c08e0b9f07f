/// The seccomp part of a plan.
public struct SeccompPlan: Codable, Equatable, Sendable {
  public var mode: ProfileMode
  /// The profile: `runtime-default@<version>` or the Localhost path relative to the profile root.
  public var profile: String?
  /// Whether the manifest asked for this profile (vs. a Garrison default).
  public var explicit: Bool
  /// SHA-256 of the profile resolved for this container's capabilities (canonical JSON); nil when unconfined.
  public var policyDigest: String?
  /// The resolved profile, in OCI `linux.seccomp` JSON form (the runtime compiles it to BPF); nil when unconfined.
  public var policyJSON: String?
  /// Whether denials are logged by the kernel (SECCOMP_FILTER_FLAG_LOG), for the audit log.
  public var logDenials: Bool
  /// SHA-256 of the compiled BPF program (libseccomp, binary-tree optimised) the runtime must load; nil when unconfined.
  public var bpfDigest: String?
  public init(
    mode: ProfileMode, profile: String?, explicit: Bool, policyDigest: String?, policyJSON: String?, logDenials: Bool,
    bpfDigest: String? = nil
  ) {
    self.bpfDigest = bpfDigest
    self.mode = mode
    self.profile = profile
    self.explicit = explicit
    self.policyDigest = policyDigest
    self.policyJSON = policyJSON
    self.logDenials = logDenials
  }
}

/// The AppArmor part of a plan.
public struct AppArmorPlan: Codable, Equatable, Sendable {
  public var mode: ProfileMode
  /// The profile name the process is confined by (`garrison-default-v1`, the Localhost name); nil when unconfined.
  public var profileName: String?
  /// Whether the manifest asked for it (an explicit request fails closed on a kernel without AppArmor).
  public var explicit: Bool
  /// Where the choice came from.
  public var source: AppArmorSource
  public init(mode: ProfileMode, profileName: String?, explicit: Bool, source: AppArmorSource) {
    self.mode = mode
    self.profileName = profileName
    self.explicit = explicit
    self.source = source
  }
}

/// The SELinux part of a plan.
public struct SELinuxPlan: Codable, Equatable, Sendable {
  /// `user:role:type:level` for the process; nil when disabled (privileged).
  public var processLabel: String?
  /// The label for the container's files and volumes.
  public var mountLabel: String?
  /// Whether the manifest gave seLinuxOptions (an explicit request fails closed without SELinux).
  public var explicit: Bool
  public init(processLabel: String?, mountLabel: String?, explicit: Bool) {
    self.processLabel = processLabel
    self.mountLabel = mountLabel
    self.explicit = explicit
  }
}

/// Root filesystem and /proc, /sys exposure.
public struct FilesystemPlan: Codable, Equatable, Sendable {
  public var readOnlyRootFilesystem: Bool
  public var maskedPaths: [String]
  public var readonlyPaths: [String]
  public var procMount: ProcMountType
  public var sysfsReadOnly: Bool
  public var devices: DeviceExposure

  public init(
    readOnlyRootFilesystem: Bool, maskedPaths: [String], readonlyPaths: [String], procMount: ProcMountType, sysfsReadOnly: Bool,
    devices: DeviceExposure
  ) {
    self.readOnlyRootFilesystem = readOnlyRootFilesystem
    self.maskedPaths = maskedPaths
    self.readonlyPaths = readonlyPaths
    self.procMount = procMount
    self.sysfsReadOnly = sysfsReadOnly
    self.devices = devices
  }
}

/// Namespace sharing: `container` (private), `pod` (shared by the pod's containers) or `host`.
public struct NamespacePlan: Codable, Equatable, Sendable {
  public var network: NamespaceMode
  public var pid: NamespaceMode
  public var ipc: NamespaceMode
  public var uts: NamespaceMode
  public var user: NamespaceMode
  public var mount: NamespaceMode
  public var cgroup: NamespaceMode

  public init(
    network: NamespaceMode, pid: NamespaceMode, ipc: NamespaceMode, uts: NamespaceMode, user: NamespaceMode, mount: NamespaceMode,
    cgroup: NamespaceMode
  ) {
    self.network = network
    self.pid = pid
    self.ipc = ipc
    self.uts = uts
    self.user = user
    self.mount = mount
    self.cgroup = cgroup
  }
}

/// cgroup values from requests and limits, as the kubelet and containerd compute them.
public struct ResourcePlan: Codable, Equatable, Sendable {
  /// The pod's QoS class.
  public var qosClass: QoSClass
  public var cpuRequestMillis: Int64?
  public var cpuLimitMillis: Int64?
  /// cgroup v1 `cpu.shares`.
  public var cpuShares: UInt64
  /// cgroup v2 `cpu.weight` (from shares, as runc and crun convert).
  public var cpuWeight: UInt64
  public var cpuQuota: Int64?
  public var cpuPeriod: UInt64?
  public var memoryRequestBytes: Int64?
  public var memoryLimitBytes: Int64?
  public var pidsLimit: Int64?

  public init(
    qosClass: QoSClass, cpuRequestMillis: Int64?, cpuLimitMillis: Int64?, cpuShares: UInt64, cpuWeight: UInt64, cpuQuota: Int64?,
    cpuPeriod: UInt64?, memoryRequestBytes: Int64?, memoryLimitBytes: Int64?, pidsLimit: Int64?
  ) {
    self.qosClass = qosClass
    self.cpuRequestMillis = cpuRequestMillis
    self.cpuLimitMillis = cpuLimitMillis
    self.cpuShares = cpuShares
    self.cpuWeight = cpuWeight
    self.cpuQuota = cpuQuota
    self.cpuPeriod = cpuPeriod
    self.memoryRequestBytes = memoryRequestBytes
    self.memoryLimitBytes = memoryLimitBytes
    self.pidsLimit = pidsLimit
  }
}
