/// The enforcement plan of one container: every kernel setting Garrison will apply, as a pure, deterministic,
/// Codable value. Its canonical JSON (sorted keys, no whitespace) is hashed with SHA-256 into `digest`.
/// Schema: `docs/plan-schema.md`; the version string changes whenever a field's meaning does.
public struct EnforcementPlan: Codable, Equatable, Sendable {
  public static let schema = "garrison.dev/plan/v1"
  public var schemaVersion: String = EnforcementPlan.schema
  public var pod: PodIdentity
  public var container: ContainerIdentity
  public var process: ProcessPlan
  public var privileged: Bool
  public var seccomp: SeccompPlan
  public var appArmor: AppArmorPlan
  public var seLinux: SELinuxPlan
  public var filesystem: FilesystemPlan
  public var namespaces: NamespacePlan
  public var sysctls: [String: String]
  public var resources: ResourcePlan
  /// SHA-256 (hex) of the canonical JSON of this plan with `digest` absent; set by the compiler.
  public var digest: String?

  public init(
    pod: PodIdentity, container: ContainerIdentity, process: ProcessPlan, privileged: Bool, seccomp: SeccompPlan,
    appArmor: AppArmorPlan, seLinux: SELinuxPlan, filesystem: FilesystemPlan, namespaces: NamespacePlan,
    sysctls: [String: String], resources: ResourcePlan
  ) {
    self.pod = pod
    self.container = container
    self.process = process
    self.privileged = privileged
    self.seccomp = seccomp
    self.appArmor = appArmor
    self.seLinux = seLinux
    self.filesystem = filesystem
    self.namespaces = namespaces
    self.sysctls = sysctls
    self.resources = resources
  }
}

/// Which pod the plan belongs to.
public struct PodIdentity: Codable, Equatable, Sendable {
  public var namespace: String
  public var name: String
  /// The pod UID (given, or derived deterministically from namespace and name).
  public var uid: String
  /// The kind of the object the pod came from (`Pod`, `Deployment`, ...).
  public var sourceKind: String
  public init(namespace: String, name: String, uid: String, sourceKind: String) {
    self.namespace = namespace
    self.name = name
    self.uid = uid
    self.sourceKind = sourceKind
  }
}

/// Which container, and its role in the pod's lifecycle.
public struct ContainerIdentity: Codable, Equatable, Sendable {
  public var name: String
  public var role: ContainerRole
  public var image: String
  public init(name: String, role: ContainerRole, image: String) {
    self.name = name
    self.role = role
    self.image = image
  }
}

/// The process: credentials, capabilities, no_new_privs, rlimits.
public struct ProcessPlan: Codable, Equatable, Sendable {
  /// Kubernetes `command` (overrides the image Entrypoint) and `args` (override Cmd), as written.
  public var command: [String]?
  public var args: [String]?
  public var env: [String]
  public var workingDir: String?
  public var user: UserPlan
  public var noNewPrivileges: Bool
  /// The sets the runtime installs before execve.
  public var capabilities: CapabilityPlan
  /// The sets the process holds after execve for its uid (capabilities(7) execve rules, no file capabilities).
  public var capabilitiesAfterExec: CapabilityPlan
  /// Whether a setuid-root or file-capability binary in the image could raise the sets after execve
  /// (no_new_privs off and uid != 0); `capabilitiesAfterExec` assumes plain binaries.
  public var execCanRaise: Bool
  public var rlimits: [RlimitPlan]

  public init(
    command: [String]?, args: [String]?, env: [String], workingDir: String?, user: UserPlan, noNewPrivileges: Bool,
    capabilities: CapabilityPlan, capabilitiesAfterExec: CapabilityPlan, execCanRaise: Bool, rlimits: [RlimitPlan]
  ) {
    self.command = command
    self.args = args
    self.env = env
    self.workingDir = workingDir
    self.user = user
    self.noNewPrivileges = noNewPrivileges
    self.capabilities = capabilities
    self.capabilitiesAfterExec = capabilitiesAfterExec
    self.execCanRaise = execCanRaise
    self.rlimits = rlimits
  }
}

/// uid, gid and groups.
public struct UserPlan: Codable, Equatable, Sendable {
  public var uid: UInt32
  public var gid: UInt32
  /// Groups from `supplementalGroups` and `fsGroup`, sorted and unique.
  public var supplementalGroups: [UInt32]
  public var supplementalGroupsPolicy: SupplementalGroupsPolicy
  /// Whether the uid came from the manifest or a numeric image user (false: assumed from an unknown image).
  public var uidKnown: Bool
  public var runAsNonRoot: Bool
  /// The image's `User` when the uid must be resolved from the image's /etc/passwd at run time.
  public var imageUser: String?
  /// Whether the primary gid is looked up in the image's /etc/passwd at run time (no runAsGroup, uid from the manifest).
  public var primaryGroupFromImage: Bool

  public init(
    uid: UInt32, gid: UInt32, supplementalGroups: [UInt32], supplementalGroupsPolicy: SupplementalGroupsPolicy, uidKnown: Bool,
    runAsNonRoot: Bool,
    imageUser: String?, primaryGroupFromImage: Bool
  ) {
    self.uid = uid
    self.gid = gid
    self.supplementalGroups = supplementalGroups
    self.supplementalGroupsPolicy = supplementalGroupsPolicy
    self.uidKnown = uidKnown
    self.runAsNonRoot = runAsNonRoot
    self.imageUser = imageUser
    self.primaryGroupFromImage = primaryGroupFromImage
  }
}

/// The five capability sets.
public struct CapabilityPlan: Codable, Equatable, Sendable {
  public var bounding: CapabilitySet
  public var permitted: CapabilitySet
  public var effective: CapabilitySet
  public var inheritable: CapabilitySet
  public var ambient: CapabilitySet
  public init(
    bounding: CapabilitySet, permitted: CapabilitySet, effective: CapabilitySet,
    inheritable: CapabilitySet, ambient: CapabilitySet
  ) {
    self.bounding = bounding
    self.permitted = permitted
    self.effective = effective
    self.inheritable = inheritable
    self.ambient = ambient
  }
}

/// A resource limit (`RLIMIT_NOFILE`, ...).
public struct RlimitPlan: Codable, Equatable, Sendable {
  public var type: String
  public var soft: UInt64
  public var hard: UInt64
  public init(type: String, soft: UInt64, hard: UInt64) {
    self.type = type
    self.soft = soft
    self.hard = hard
  }
}
