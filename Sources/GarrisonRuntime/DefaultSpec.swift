import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import GarrisonOCI

/// The config.json `garrison-oci spec` writes: runc's default (restricted capabilities, no_new_privs,
/// read-only root, masked and read-only /proc paths) without a terminal (a terminal needs `--console-socket`).
public enum DefaultSpec {
  public static let maskedPaths = [
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
  ]
  public static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

  /// The default spec running `args` in `rootfs` (relative to the bundle).
  public static func make(rootfs: String = "rootfs", args: [String] = ["sh"]) -> RuntimeSpec {
    let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    let process = RuntimeSpec.Process(
      terminal: false, user: .init(uid: 0, gid: 0), args: args,
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], cwd: "/",
      capabilities: .init(bounding: caps, effective: caps, permitted: caps),
      rlimits: [.init(type: "RLIMIT_NOFILE", soft: 1024, hard: 1024)], noNewPrivileges: true)
    let mounts: [RuntimeSpec.Mount] = [
      .init(destination: "/proc", type: "proc", source: "proc"),
      .init(
        destination: "/dev", type: "tmpfs", source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
      .init(
        destination: "/dev/pts", type: "devpts", source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
      .init(
        destination: "/dev/shm", type: "tmpfs", source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
      .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
      .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
    ]
    let linux = RuntimeSpec.Linux(
      namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map { .init(type: $0) },
      resources: .init(devices: [.init(allow: false, access: "rwm")]),
      maskedPaths: maskedPaths, readonlyPaths: readonlyPaths)
    return RuntimeSpec(
      process: process, root: .init(path: rootfs, readonly: true), hostname: "garrison",
      mounts: mounts, linux: linux)
  }
}

/// What `garrison-oci features` reports (the runtime-spec "features" document).
public enum RuntimeFeatures {
  public static func document(appArmor: Bool, seLinux: Bool) -> [String: Any] {
    [
      "ociVersionMin": "1.0.0",
      "ociVersionMax": RuntimeSpecVersion.implemented,
      "hooks": HookKind.allCases.map(\.rawValue),
      "mountOptions": InitSpecBuilder.flagOptions.keys.sorted() + InitSpecBuilder.propagation.keys.sorted(),
      "linux": [
        "namespaces": ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"],
        "capabilities": Capability.names,
        "cgroup": ["v1": true, "v2": true, "systemd": false, "systemdUser": false],
        "seccomp": [
          "enabled": true,
          "actions": [
            "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
          ],
          "operators": [
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
          ],
          "supportedFlags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"],
        ] as [String: Any],
        "apparmor": ["enabled": appArmor],
        "selinux": ["enabled": seLinux],
      ] as [String: Any],
      "annotations": ["org.garrison.enforcement": "fail-closed"],
    ]
  }
}
