import CGarrisonLinux
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import GarrisonCore
import GarrisonInitProtocol
import GarrisonKernel
import Glibc

/// An existing user namespace a container joins (`linux.namespaces` `user` with a `path`), and its id maps,
/// read from the kernel: the maps are the namespace's own, and the runtime needs them to check the process
/// user, to know the container's root can set it up, and to attest host ids after start.
///
/// The maps are read from `/proc/<pid>/uid_map` and `gid_map` of a process living in the namespace (the one
/// the path names when it is `/proc/<pid>/ns/user`, else the first found under /proc with the same
/// namespace inode), as the runtime sees them: outside ids are host ids. A namespace no process lives in (only
/// pinned by a bind mount) is refused: its maps cannot be read that way.
public struct JoinedUserNamespace: Equatable, Sendable {
  public var uidMappings: [InitSpec.IDMap]
  public var gidMappings: [InitSpec.IDMap]

  /// Reads the maps of the user namespace at `path`; `field` names it in errors.
  public static func read(path: String, field: FieldPath) throws -> JoinedUserNamespace {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw GarrisonError(.notFound, operation: "open \(path)", "cannot open the user namespace", errno: errno)
    }
    defer { close(fd) }
    guard gr_ioctl_int(fd, LinuxConstants.NS_GET_NSTYPE, 0) == LinuxConstants.CLONE_NEWUSER else {
      throw GarrisonError(.invalid, "\(path) is not a user namespace", field: field)
    }
    var target = stat()
    guard fstat(fd, &target) == 0 else {
      throw GarrisonError(.system, operation: "fstat \(path)", "cannot inspect the user namespace", errno: errno)
    }
    guard let pid = member(of: target, hint: path) else {
      throw GarrisonError(
        .unenforceable,
        "no process lives in the user namespace at \(path), so its id maps cannot "
          + "be read; join it through /proc/<pid>/ns/user of a process in it", field: field)
    }
    return JoinedUserNamespace(
      uidMappings: try maps(pid: pid, file: "uid_map"),
      gidMappings: try maps(pid: pid, file: "gid_map"))
  }

  /// A process whose user namespace is `target`: the pid in a `/proc/<pid>/ns/user` path first.
  static func member(of target: stat, hint path: String) -> Int32? {
    func inNamespace(_ pid: Int32) -> Bool {
      var st = stat()
      return fstatat(AT_FDCWD, "/proc/\(pid)/ns/user", &st, 0) == 0 && st.st_dev == target.st_dev && st.st_ino == target.st_ino
    }
    let parts = path.split(separator: "/")
    if parts.count == 4, parts[0] == "proc", parts[2] == "ns", parts[3] == "user", let pid = Int32(parts[1]),
      inNamespace(pid)
    {
      return pid
    }
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    return entries.compactMap { Int32($0) }.sorted().first(where: inNamespace)
  }

  /// One map file of `pid`: `inside outside count` lines.
  static func maps(pid: Int32, file: String) throws -> [InitSpec.IDMap] {
    let path = "/proc/\(pid)/\(file)"
    let text: String
    do { text = try FileIO.readText(path) } catch {
      throw GarrisonError(.system, operation: "read \(path)", "cannot read the user namespace's maps", errno: error.rawValue)
    }
    return text.split(separator: "\n").compactMap { line in
      let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
      return f.count == 3 ? InitSpec.IDMap(containerID: f[0], hostID: f[1], size: f[2]) : nil
    }
  }

  /// `maps` in a canonical order, to compare with the config's.
  static func sorted(_ maps: [InitSpec.IDMap]) -> [InitSpec.IDMap] {
    maps.sorted { $0.containerID < $1.containerID }
  }
}
