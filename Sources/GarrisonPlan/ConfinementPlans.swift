/// The seccomp part of a plan.
public struct SeccompPlan: Codable, Equatable, Sendable {
  /// `RuntimeDefault`, `Localhost` or `Unconfined`.
  public var mode: String
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
    mode: String, profile: String?, explicit: Bool, policyDigest: String?, policyJSON: String?, logDenials: Bool, bpfDigest: String? = nil
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
  /// `RuntimeDefault`, `Localhost` or `Unconfined`.
  public var mode: String
  /// The profile name the process is confined by (`garrison-default-v1`, the Localhost name); nil when unconfined.
  public var profileName: String?
  /// Whether the manifest asked for it (an explicit request fails closed on a kernel without AppArmor).
  public var explicit: Bool
  /// Where the choice came from: `field`, `annotation` or `default`.
  public var source: String
  public init(mode: String, profileName: String?, explicit: Bool, source: String) {
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
  /// `Default` or `Unmasked`.
  public var procMount: String
  public var sysfsReadOnly: Bool
  /// `default` (null zero full random urandom tty ptmx) or `host` (privileged: every host device).
  public var devices: String

  public init(
    readOnlyRootFilesystem: Bool, maskedPaths: [String], readonlyPaths: [String], procMount: String, sysfsReadOnly: Bool, devices: String
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
  public var network: String
  public var pid: String
  public var ipc: String
  public var uts: String
  public var user: String
  public var mount: String
  public var cgroup: String

  public init(network: String, pid: String, ipc: String, uts: String, user: String, mount: String, cgroup: String) {
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
  /// `Guaranteed`, `Burstable` or `BestEffort` (of the pod).
  public var qosClass: String
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
    qosClass: String, cpuRequestMillis: Int64?, cpuLimitMillis: Int64?, cpuShares: UInt64, cpuWeight: UInt64, cpuQuota: Int64?,
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
