#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost

/// Prepares a pod's volumes on the host: emptyDir directories (tmpfs for `medium: Memory`), hostPath type
/// checks, configMap and secret files (secrets on tmpfs), and fsGroup ownership.
public struct VolumePreparer {
  public let paths: PodPaths
  public let fsGroup: UInt32?
  /// The pod's SELinux file label (the containers' mount label) when SELinux is enabled: emptyDir, configMap
  /// and secret volumes are relabelled with it; hostPath never (``SELinuxRelabel``).
  public let seLinuxMountLabel: String?

  public init(paths: PodPaths, fsGroup: UInt32?, seLinuxMountLabel: String? = nil) {
    self.paths = paths
    self.fsGroup = fsGroup
    self.seLinuxMountLabel = seLinuxMountLabel
  }

  /// Prepares one volume; returns the host path its mounts bind from and the mount points it created.
  public func prepare(_ v: VolumeRecord) throws -> (source: String, mounts: [String]) {
    let prepared = try prepareContents(v)
    if let label = SELinuxRelabel.label(forVolumeKind: v.kind.rawValue, mountLabel: seLinuxMountLabel) {
      try SELinuxRelabel.relabel(tree: prepared.source, to: label)
    }
    return prepared
  }

  func prepareContents(_ v: VolumeRecord) throws -> (source: String, mounts: [String]) {
    switch v.kind {
    case .hostPath:
      return (try HostPathCheck.check(path: v.hostPath ?? "", type: v.hostPathType ?? "", field: v.field + ".hostPath"), [])
    case .emptyDir:
      let dir = paths.volume(v.name)
      try FS.mkdirs(dir)
      var mounts: [String] = []
      if v.memory && !Mounts.isMountPoint(dir) {
        var data = "mode=0777"
        if let size = v.sizeLimitBytes { data += ",size=\(size)" }
        try Mounts.mount(source: "tmpfs", target: dir, type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV), data: data)
        mounts.append(dir)
      }
      try FS.chmod(dir, 0o777)
      try applyFSGroup(dir, mode: 0o777)
      return (dir, mounts)
    case .configMap, .secret:
      let dir = paths.volume(v.name)
      try FS.mkdirs(dir)
      var mounts: [String] = []
      if v.kind == .secret && !Mounts.isMountPoint(dir) {
        try Mounts.mount(
          source: "tmpfs", target: dir, type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), data: "mode=0755,size=1m")
        mounts.append(dir)
      }
      for f in v.files {
        try SubPath.validate(f.path, field: v.field + ".items.path")
        let target = dir + "/" + f.path
        try FS.mkdirs(PathName.deletingLastComponent(target))
        try JSONFile.writeAtomically(f.content, to: target, mode: mode_t(f.mode))
        try FS.chmod(target, mode_t(f.mode))
        try applyFSGroup(target, mode: f.mode)
      }
      try applyFSGroup(dir, mode: 0o755)
      return (dir, mounts)
    }
  }

  /// fsGroup: group ownership plus setgid on directories and group read/write (kubelet SetVolumeOwnership).
  func applyFSGroup(_ path: String, mode: UInt32) throws {
    guard let gid = fsGroup else { return }
    try FS.lchown(path, uid: uid_t(bitPattern: -1), gid: gid)
    if FS.type(path) == S_IFDIR {
      try FS.chmod(path, mode_t(mode) | S_ISGID | 0o070)
    } else {
      try FS.chmod(path, mode_t(mode) | 0o040)
    }
  }
}

/// `hostPath.type` checks, as the kubelet does them before mounting.
public enum HostPathCheck {
  public static let types: Set<String> = [
    "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice",
  ]

  /// Checks (and for `*OrCreate`, creates) the host path; returns it.
  public static func check(path: String, type: String, field: String) throws -> String {
    guard path.hasPrefix("/") else {
      throw GarrisonError(.invalid, "Invalid value: \"\(path)\": hostPath must be absolute", field: FieldPath(field + ".path"))
    }
    guard types.contains(type) else {
      throw GarrisonError(.invalid, "Unsupported value: \"\(type)\"", field: FieldPath(field + ".type"))
    }
    let actual = FS.followType(path)
    func refuse(_ want: String) -> GarrisonError {
      let what = actual.map(describe) ?? "nothing"
      return GarrisonError(
        .refused, "hostPath type check failed: \(path) is not a \(want) (found \(what))", field: FieldPath(field + ".type"))
    }
    switch type {
    case "DirectoryOrCreate":
      if actual == nil { try FS.mkdirs(path) } else if actual != S_IFDIR { throw refuse("directory") }
    case "Directory": if actual != S_IFDIR { throw refuse("directory") }
    case "FileOrCreate":
      if actual == nil {
        try FS.mkdirs(PathName.deletingLastComponent(path))
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
          throw GarrisonError(.system, operation: "open", "cannot create \(path)", field: FieldPath(field), errno: errno)
        }
        close(fd)
      } else if actual != S_IFREG {
        throw refuse("file")
      }
    case "File": if actual != S_IFREG { throw refuse("file") }
    case "Socket": if actual != S_IFSOCK { throw refuse("socket") }
    case "CharDevice": if actual != S_IFCHR { throw refuse("character device") }
    case "BlockDevice": if actual != S_IFBLK { throw refuse("block device") }
    default: break
    }
    return path
  }

  static func describe(_ t: mode_t) -> String {
    switch t {
    case S_IFDIR: return "a directory"
    case S_IFREG: return "a file"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFIFO: return "a fifo"
    default: return "another kind of file"
    }
  }
}
