import GarrisonPlan
import GarrisonCore

/// The two SELinux contexts a container needs: the process label it execs under and the label of the
/// files it may use (rootfs and volumes, `context=` mount option), sharing one MCS level.
public struct SELinuxLabels: Hashable, Codable, Sendable {
  public var process: SELinuxLabel
  public var mount: SELinuxLabel

  public static let defaultUser = "system_u"
  public static let defaultRole = "system_r"
  public static let defaultType = "container_t"
  public static let mountRole = "object_r"
  public static let mountType = "container_file_t"
  /// The label of a privileged container (`privileged: true` without seLinuxOptions): `spc_t`, unconfined, at s0.
  public static let privilegedProcess = try! SELinuxLabel(user: defaultUser, role: defaultRole, type: "spc_t", level: "s0")

  public init(process: SELinuxLabel, mount: SELinuxLabel) {
    self.process = process
    self.mount = mount
  }

  /// Resolves `seLinuxOptions` for a container of the pod `podUID`: missing components default to
  /// `system_u:system_r:container_t`, a missing level to the pod's MCS level (``SELinuxLevel/forPod(uid:avoiding:)``).
  /// The mount label is `<user>:object_r:container_file_t:<same level>`, where the user follows an explicit
  /// `user` option (as container runtimes do) and is `system_u` otherwise.
  public static func resolve(
    _ options: SELinuxOptions?, podUID: String, field: FieldPath, levelsInUse: Set<String> = []
  ) throws -> SELinuxLabels {
    let o = options ?? SELinuxOptions()
    let level = try o.level ?? SELinuxLevel.forPod(uid: podUID, avoiding: levelsInUse)
    let process = try SELinuxLabel(
      user: o.user ?? defaultUser, role: o.role ?? defaultRole, type: o.type ?? defaultType, level: level, field: field)
    let mount = try SELinuxLabel(user: o.user ?? defaultUser, role: mountRole, type: mountType, level: level, field: field)
    return SELinuxLabels(process: process, mount: mount)
  }
}
