import Foundation
import GarrisonCore
import GarrisonLSMHost
import GarrisonOCI
import GarrisonRuntime

/// OCI runtime specs the runtime tests start from, and a way to ask garrison-oci's spec validation
/// (`InitSpecBuilder`) for its verdict without starting anything.
public enum RuntimeSpecFixtures {
  /// The error `InitSpecBuilder` refuses `spec` with (bundle with an empty rootfs in a scratch directory), or nil
  /// when the spec is accepted.
  public static func buildError(_ spec: RuntimeSpec) throws -> GarrisonError? {
    let dir = try ScratchDirectory("unit")
    defer { dir.remove() }
    try FileManager.default.createDirectory(atPath: dir.path + "/rootfs", withIntermediateDirectories: true)
    do {
      _ = try InitSpecBuilder(seccomp: OCISeccompCompiler(), host: .current).build(spec, bundle: dir.path, noPivot: false)
      return nil
    } catch let e as GarrisonError {
      return e
    }
  }

  /// `DefaultSpec` made restricted: uid 1000, no capabilities, no_new_privs, a small RLIMIT_NOFILE, a /tmp tmpfs
  /// and `runtimeDefaultLike`.
  public static func restricted(_ args: [String]) -> RuntimeSpec {
    var spec = DefaultSpec.make(args: args)
    spec.process!.user = .init(uid: 1000, gid: 1000, additionalGids: [1001])
    spec.process!.capabilities = .init(bounding: [], effective: [], inheritable: [], permitted: [], ambient: [])
    spec.process!.noNewPrivileges = true
    spec.process!.rlimits = [.init(type: "RLIMIT_NOFILE", soft: 256, hard: 256)]
    spec.mounts!.append(.init(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]))
    spec.linux!.seccomp = runtimeDefaultLike
    return spec
  }

  /// Deny-list in the spirit of the container runtimes' default profiles (the real one is GarrisonSeccomp's):
  /// allow by default, EPERM for the escape-relevant syscalls.
  public static let runtimeDefaultLike = RuntimeSpec.Seccomp(
    defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    syscalls: [
      .init(
        names: [
          "mount", "umount2", "unshare", "setns", "pivot_root", "chroot", "ptrace", "keyctl", "add_key",
          "request_key", "bpf", "perf_event_open", "kexec_load", "open_by_handle_at", "init_module",
          "finit_module", "delete_module", "reboot", "swapon", "swapoff", "syslog", "userfaultfd",
          "fsopen", "fsmount", "move_mount", "open_tree",
        ],
        action: "SCMP_ACT_ERRNO", errnoRet: 1)
    ])
}
