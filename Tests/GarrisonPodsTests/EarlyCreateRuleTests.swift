import GarrisonOCI
import GarrisonPlan
import GarrisonPods
import GarrisonSupervisor
import Testing

/// Which app containers the supervisor may create ahead while the last init container runs (`EarlyCreate`):
/// none whose working directory, executable, `/etc/passwd` or nested mount point an init container could still
/// put into an emptyDir or hostPath volume, none with a subPath, none in a pod sharing its pid namespace. No root:
/// the container's root is a table of paths.
struct EarlyCreateRuleTests {
  static let ownPID = SandboxNamespaces(hostNetwork: false, hostIPC: false, hostPID: false, sharePID: false)

  /// An app container with `args`, `cwd`, `env` and volume mounts (mount path → volume name).
  func container(
    _ args: [String], cwd: String = "/", env: [String] = ["PATH=/bin"], mounts: [(String, String)] = [],
    subPath: String? = nil, role: ContainerRole = .app
  ) -> ContainerRecord {
    let spec = RuntimeSpec(process: .init(args: args, env: env, cwd: cwd), root: .init(path: "rootfs"))
    return ContainerRecord(
      name: "app", role: role, image: "busybox", spec: spec, rootfs: RootfsSource(lowerdirs: ["/x"]),
      volumeMounts: mounts.enumerated().map { k, m in
        MountRecord(
          volume: m.1, mountPath: m.0, subPath: k == 0 ? subPath : nil, readOnly: false,
          field: "spec.containers[0].volumeMounts[\(k)]")
      }, planDigest: "", appArmorExplicit: false, seLinuxExplicit: false)
  }

  static let volumes: [VolumeRecord] = [
    VolumeRecord(name: "data", kind: .emptyDir, field: "spec.volumes[0]"),
    VolumeRecord(name: "host", kind: .hostPath, field: "spec.volumes[1]"),
    VolumeRecord(name: "scripts", kind: .configMap, field: "spec.volumes[2]"),
  ]

  /// The image: /bin and /etc are directories, /app a symlink into /data, /loop a symlink to itself.
  static func image(_ path: String) -> EarlyCreate.Entry {
    switch path.dropFirst("/r".count) {
    case "/bin", "/etc", "/etc/passwd", "/bin/sleep", "/data": return .other
    case "/app": return .symlink("/data/app")
    case "/rel": return .symlink("data/x")
    case "/loop": return .symlink("/loop")
    default: return .missing
    }
  }

  func blocker(_ c: ContainerRecord, namespaces: SandboxNamespaces = ownPID) -> String? {
    EarlyCreate.blocker(c, volumes: Self.volumes, namespaces: namespaces, rootfs: "/r", entry: Self.image)
  }

  @Test(
    arguments: [
      // Nothing from a volume on the way: created ahead.
      (["sleep", "1000"], "/", ["PATH=/bin"], [("/data", "data")], false),
      (["/bin/sleep", "1000"], "/", ["PATH=/bin", "HOME=/"], [("/data", "data"), ("/mnt", "host")], false),
      // A configMap's content is there before any container starts, read-only.
      (["/scripts/run.sh"], "/scripts", ["PATH=/bin"], [("/data", "data"), ("/scripts", "scripts")], false),
      (["sleep"], "/", ["PATH=/bin"], [], false),
      // What an init container may still put in an emptyDir or hostPath volume: not created ahead.
      (["/data/bin/app"], "/", ["PATH=/bin"], [("/data", "data")], true),
      (["sleep"], "/data/work", ["PATH=/bin"], [("/data", "data")], true),
      (["app"], "/", ["PATH=/data/bin:/bin"], [("/data", "data")], true),
      (["app"], "/mnt", ["PATH=.:/bin"], [("/mnt", "host")], true),
      (["./run"], "/data", ["PATH=/bin"], [("/data", "data")], true),
      (["/app/run"], "/", ["PATH=/bin"], [("/data", "data")], true),
      (["/rel/run"], "/", ["PATH=/bin"], [("/data", "data")], true),
      (["/loop/run"], "/", ["PATH=/bin"], [("/data", "data")], true),
      (["/bin/sleep"], "/", ["PATH=/bin"], [("/etc", "data")], true),
      (["/bin/sleep"], "/", ["PATH=/bin"], [("/", "data")], true),
      (["/bin/sleep"], "/", ["PATH=/bin"], [("/data", "data"), ("/data/scripts", "scripts")], true),
    ] as [([String], String, [String], [(String, String)], Bool)])
  func pathsAnInitContainerCanChangeAreNeverFixedEarly(
    args: [String], cwd: String, env: [String], mounts: [(String, String)], blocked: Bool
  ) {
    let why = blocker(container(args, cwd: cwd, env: env, mounts: mounts))
    #expect((why != nil) == blocked, "\(args) in \(cwd) with \(mounts): \(why ?? "created ahead")")
  }

  @Test func subPathsSharedPidNamespacesAndInitContainersAreNeverCreatedAhead() {
    #expect(blocker(container(["sleep"], mounts: [("/data", "data")], subPath: "sub")) != nil)
    #expect(blocker(container(["sleep"], role: .initContainer)) != nil)
    var shared = Self.ownPID
    shared.sharePID = true
    #expect(blocker(container(["sleep"]), namespaces: shared) != nil)
    var host = Self.ownPID
    host.hostPID = true
    #expect(blocker(container(["sleep"]), namespaces: host) != nil)
  }
}
