import Foundation
import GarrisonCore
import GarrisonLSMHost
import GarrisonOCI
import GarrisonPlan

/// Turns an enforcement plan into an OCI runtime-spec `config.json` that runc, crun and garrison-oci accept
/// as is. Namespaces marked `pod` are created fresh here; the pod runner replaces them with the sandbox's paths.
public enum OCIConfigBuilder {
  /// The process arguments when neither the manifest nor a known image gives any.
  public static let fallbackArgs = ["/bin/sh"]
  static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

  /// Builds the config; `args` overrides the process arguments (image Entrypoint/Cmd resolved by the caller).
  /// Like containerd, a label the manifest did not ask for is left out when the host lacks its LSM; an explicit
  /// one stays, so the runtime refuses to start (fail closed). `host` is the caller's probe (`HostLSM.current`):
  /// the compiler reads nothing of the host itself.
  public static func build(
    _ plan: EnforcementPlan, rootfs: String = "rootfs", args: [String]? = nil, host: HostLSM
  ) throws -> RuntimeSpec {
    let appArmorProfile = (host.appArmor || plan.appArmor.explicit) ? plan.appArmor.profileName : nil
    let keepSELinux = host.seLinuxEnabled || plan.seLinux.explicit
    let p = plan.process
    let caps = p.capabilities
    var process = RuntimeSpec.Process(
      terminal: false,
      user: .init(uid: p.user.uid, gid: p.user.gid, additionalGids: p.user.supplementalGroups.isEmpty ? nil : p.user.supplementalGroups),
      args: args ?? ((p.command ?? []) + (p.args ?? [])).nilIfEmpty ?? fallbackArgs,
      env: [defaultPath] + p.env, cwd: p.workingDir ?? "/",
      capabilities: .init(
        bounding: caps.bounding.names, effective: caps.effective.names, inheritable: caps.inheritable.names,
        permitted: caps.permitted.names, ambient: caps.ambient.names),
      rlimits: p.rlimits.map { .init(type: $0.type, soft: $0.soft, hard: $0.hard) },
      noNewPrivileges: p.noNewPrivileges,
      apparmorProfile: appArmorProfile, selinuxLabel: keepSELinux ? plan.seLinux.processLabel : nil)
    process.oomScoreAdj = nil

    var namespaces: [RuntimeSpec.Namespace] = [.init(type: "mount")]
    if plan.namespaces.network != .host { namespaces.append(.init(type: "network")) }
    if plan.namespaces.pid != .host { namespaces.append(.init(type: "pid")) }
    if plan.namespaces.ipc != .host { namespaces.append(.init(type: "ipc")) }
    if plan.namespaces.uts != .host { namespaces.append(.init(type: "uts")) }
    if plan.namespaces.cgroup != .host { namespaces.append(.init(type: "cgroup")) }

    let r = plan.resources
    let resources = RuntimeSpec.Resources(
      devices: [.init(allow: false, access: "rwm")],
      memory: r.memoryLimitBytes.map { .init(limit: $0) },
      cpu: .init(shares: r.cpuShares, quota: r.cpuQuota, period: r.cpuPeriod),
      pids: r.pidsLimit.map { .init(limit: $0) })

    var seccomp: RuntimeSpec.Seccomp?
    if let json = plan.seccomp.policyJSON {
      seccomp = try JSONDecoder().decode(RuntimeSpec.Seccomp.self, from: Data(json.utf8))
    }

    let linux = RuntimeSpec.Linux(
      namespaces: namespaces, devices: nil, cgroupsPath: "/garrison/\(plan.pod.uid)/\(plan.container.name)",
      resources: resources, seccomp: seccomp, sysctl: plan.sysctls.isEmpty ? nil : plan.sysctls,
      maskedPaths: plan.filesystem.maskedPaths, readonlyPaths: plan.filesystem.readonlyPaths,
      mountLabel: keepSELinux ? plan.seLinux.mountLabel : nil)

    var annotations = [
      "dev.garrison.plan.digest": plan.digest ?? "",
      "io.kubernetes.pod.namespace": plan.pod.namespace, "io.kubernetes.pod.name": plan.pod.name,
      "io.kubernetes.pod.uid": plan.pod.uid, "io.kubernetes.container.name": plan.container.name,
    ]
    // The program the plan pinned; garrison-oci refuses a linux.seccomp that compiles to anything else.
    if seccomp != nil, let bpf = plan.seccomp.bpfDigest { annotations[GarrisonAnnotations.seccompBPFDigest] = bpf }
    return RuntimeSpec(
      process: process, root: .init(path: rootfs, readonly: plan.filesystem.readOnlyRootFilesystem),
      hostname: plan.namespaces.uts == .host ? nil : plan.pod.name, mounts: mounts(plan),
      annotations: annotations, linux: linux)
  }

  /// The standard mounts (as containerd sets them); /sys is read-write only for privileged containers.
  static func mounts(_ plan: EnforcementPlan) -> [RuntimeSpec.Mount] {
    let sysOpts = ["nosuid", "noexec", "nodev", plan.filesystem.sysfsReadOnly ? "ro" : "rw"]
    return [
      .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
      .init(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
      .init(
        destination: "/dev/pts", type: "devpts", source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
      .init(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
      .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
      .init(destination: "/sys", type: "sysfs", source: "sysfs", options: sysOpts),
      .init(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]
  }
}

extension Array {
  var nilIfEmpty: [Element]? { isEmpty ? nil : self }
}
