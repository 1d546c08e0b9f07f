import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonPlan

/// One compiled container: its plan, and why each setting has its value (for `garrison explain`).
public struct CompiledContainer: Sendable {
  public var plan: EnforcementPlan
  public var provenance: [Provenance]
  /// `Kind/namespace/name` of the source object.
  public var objectReference: String
  /// Where the source object starts (`file:line:col`).
  public var objectLocation: SourceLocation?
  /// The container's field path in the object (`spec.containers[0]`).
  public var containerPath: FieldPath
}

/// The policy compiler: a Kubernetes object's pod → one enforcement plan per container (init, sidecar,
/// app, ephemeral). Pure: the same manifest and options give the same plans, byte for byte.
public struct PolicyCompiler: Sendable {
  public let options: CompilerOptions
  let policies: PolicySet

  /// Loads the policy data (`Policies/`) once; throws when it is missing or invalid.
  public init(options: CompilerOptions = CompilerOptions()) throws {
    self.options = options
    self.policies = try PolicySet(options: options)
  }

  /// Compiles every container of the object's pod; objects without a pod give no plans.
  public func compile(_ object: ManifestObject) throws -> [CompiledContainer] {
    guard let pod = object.pod else { return [] }
    var out: [CompiledContainer] = []
    for (role, container, rel) in pod.spec.allContainers {
      let path = FieldPath(pod.specPath.steps + rel.steps)
      do {
        out.append(try compileContainer(object, pod: pod, role: role, container: container, path: path))
      } catch var e as GarrisonError {
        if e.location == nil, let f = e.fieldPath { e.location = object.location(of: f) }
        throw e
      }
    }
    return out
  }

  func compileContainer(
    _ object: ManifestObject, pod: PodTemplate, role: ContainerRole, container c: Container, path: FieldPath
  ) throws -> CompiledContainer {
    let spec = pod.spec
    let psc = spec.securityContext
    let csc = c.securityContext
    let podSC = pod.specPath / "securityContext"
    let conSC = path / "securityContext"
    var why = ProvenanceRecorder(object: object)

    // Privileged.
    let privileged = csc?.privileged ?? false
    if privileged {
      why.field("privileged", "true", conSC / "privileged")
    } else {
      why.rule("privileged", "false", "default: not privileged")
    }

    // Capabilities.
    let caps = try CapabilityRules.resolve(privileged: privileged, capabilities: csc?.capabilities, path: conSC / "capabilities")
    if privileged {
      why.field("process.capabilities", "all", conSC / "privileged")
    } else if let capsField = csc?.capabilities, !(capsField.add.isEmpty && capsField.drop.isEmpty) {
      why.field("process.capabilities", caps.description, conSC / "capabilities")
    } else {
      why.rule("process.capabilities", caps.description, "containerd default capability set")
    }

    // User and groups.
    let user = try UserRules.resolve(
      container: csc, pod: psc, podPath: podSC, containerPath: conSC, image: c.image ?? "",
      imageUser: options.imageUser(c.image ?? ""), assumedUser: options.assumedImageUser,
      describeUnknownUser: options.describeUnknownUser, why: &why)
    let installed = CapabilityRules.installed(caps)
    let after = CapabilityRules.afterExec(installed, uid: user.uid)

    // no_new_privs: only an explicit allowPrivilegeEscalation=false sets it (kubelet).
    let nnp = csc?.allowPrivilegeEscalation == false
    if csc?.allowPrivilegeEscalation != nil {
      why.field("process.noNewPrivileges", "\(nnp)", conSC / "allowPrivilegeEscalation")
    } else {
      why.rule("process.noNewPrivileges", "false", "default: allowPrivilegeEscalation unset allows escalation")
    }

    // Seccomp, AppArmor, SELinux.
    let seccomp = try SeccompChoice.plan(
      container: csc, pod: psc, privileged: privileged, caps: caps, conSC: conSC, podSC: podSC, policies: policies, why: &why)
    let appArmor = try AppArmorChoice.plan(
      container: c, pod: pod, privileged: privileged, conSC: conSC, podSC: podSC, policies: policies, why: &why)
    let podUID = object.metadata.uid ?? PodUID.derive(namespace: object.namespace, name: object.name, scope: options.podUIDScope)
    let seLinux = try SELinuxChoice.plan(
      container: csc, pod: psc, privileged: privileged, podUID: podUID, conSC: conSC, podSC: podSC, why: &why)

    // Filesystem.
    let readOnlyRoot = csc?.readOnlyRootFilesystem ?? false
    if csc?.readOnlyRootFilesystem != nil {
      why.field("filesystem.readOnlyRootFilesystem", "\(readOnlyRoot)", conSC / "readOnlyRootFilesystem")
    } else {
      why.rule("filesystem.readOnlyRootFilesystem", "false", "default: writable root filesystem")
    }
    let procMount =
      try csc?.procMount.map { value in
        guard let mode = ProcMountType(rawValue: value) else {
          throw GarrisonError(.invalid, "unsupported value \"\(value)\" (expected Default or Unmasked)", field: conSC / "procMount")
        }
        return mode
      } ?? .default
    let unmasked = privileged || procMount == .unmasked
    let fs = FilesystemPlan(
      readOnlyRootFilesystem: readOnlyRoot, maskedPaths: unmasked ? [] : FilesystemDefaults.maskedPaths,
      readonlyPaths: unmasked ? [] : FilesystemDefaults.readonlyPaths, procMount: procMount,
      sysfsReadOnly: !privileged, devices: privileged ? .host : .default)
    if privileged {
      why.field("filesystem.maskedPaths", "none", conSC / "privileged")
    } else if procMount == .unmasked {
      why.field("filesystem.maskedPaths", "none", conSC / "procMount")
    } else {
      why.rule("filesystem.maskedPaths", "\(fs.maskedPaths.count) paths", "containerd default masked and read-only paths")
    }

    // Namespaces.
    let ns = NamespacePlan(
      network: spec.hostNetwork == true ? .host : .pod,
      pid: spec.hostPID == true ? .host : (spec.shareProcessNamespace == true ? .pod : .container),
      ipc: spec.hostIPC == true ? .host : .pod, uts: spec.hostNetwork == true ? .host : .pod,
      user: spec.hostUsers == false ? .pod : .host, mount: .container, cgroup: .container)
    for (flag, value) in [
      ("hostNetwork", spec.hostNetwork), ("hostPID", spec.hostPID), ("hostIPC", spec.hostIPC),
      ("shareProcessNamespace", spec.shareProcessNamespace), ("hostUsers", spec.hostUsers),
    ] where value != nil {
      why.field("namespaces", "\(flag)=\(value!)", pod.specPath / flag)
    }

    // Sysctls and resources.
    let sysctls = try SysctlRules.resolve(
      psc?.sysctls ?? [], spec: spec, allowedUnsafe: options.allowedUnsafeSysctls, path: podSC / "sysctls")
    if !sysctls.isEmpty { why.field("sysctls", sysctls.keys.sorted().joined(separator: ","), podSC / "sysctls") }
    let resources = ResourceRules.plan(c, spec: spec, pidsLimit: options.pidsLimit)
    if c.resources.limits.isEmpty && c.resources.requests.isEmpty {
      why.rule("resources", "no limits", "default: no requests or limits (cpu.shares 2)")
    } else {
      why.field("resources", "shares \(resources.cpuShares)", path / "resources")
    }

    let env = c.env.compactMap { e in e.value.map { "\(e.name)=\($0)" } ?? (e.isReference ? nil : "\(e.name)=") }
    let process = ProcessPlan(
      command: c.command, args: c.args, env: env, workingDir: c.workingDir, user: user, noNewPrivileges: nnp,
      capabilities: installed, capabilitiesAfterExec: after, execCanRaise: !nnp && user.uid != 0,
      rlimits: [RlimitPlan(type: "RLIMIT_NOFILE", soft: 1024, hard: 1024)])
    why.rule("process.rlimits", "RLIMIT_NOFILE=1024", "containerd default spec")

    var plan = EnforcementPlan(
      pod: PodIdentity(namespace: object.namespace, name: object.name, uid: podUID, sourceKind: object.kind),
      container: ContainerIdentity(name: c.name, role: role, image: c.image ?? ""),
      process: process, privileged: privileged, seccomp: seccomp, appArmor: appArmor, seLinux: seLinux,
      filesystem: fs, namespaces: ns, sysctls: sysctls, resources: resources)
    plan.digest = try PlanDigest.digest(of: plan)
    return CompiledContainer(
      plan: plan, provenance: why.entries, objectReference: object.reference, objectLocation: object.location, containerPath: path)
  }
}

/// containerd's default masked and read-only paths.
public enum FilesystemDefaults {
  public static let maskedPaths = [
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
  ]
  public static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}
