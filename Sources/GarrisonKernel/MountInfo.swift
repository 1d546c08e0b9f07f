import GarrisonCore

/// One line of `/proc/<pid>/mountinfo` (see proc(5)), with the fields the cgroup code needs.
public struct MountInfoEntry: Sendable, Hashable {
  /// The mount's id, unique in the system while it is mounted (field 1).
  public var id: Int = 0
  /// The id of the mount it is mounted on (field 2; itself for the namespace's root).
  public var parent: Int = 0
  /// `major:minor` of the mounted file system; equal for bind mounts of one cgroup hierarchy.
  public var device: String
  /// The directory of the file system that is mounted (`/` unless a subtree is bind-mounted).
  public var root: String
  /// Where it is mounted, with `\040`-style escapes decoded.
  public var mountPoint: String
  /// File system type, e.g. `cgroup`, `cgroup2`, `tmpfs`.
  public var fsType: String
  /// Per-superblock options, e.g. `["rw", "cpu", "cpuacct"]` or `["rw", "name=systemd"]`.
  public var superOptions: [String]

  public init(device: String, root: String, mountPoint: String, fsType: String, superOptions: [String]) {
    self.device = device
    self.root = root
    self.mountPoint = mountPoint
    self.fsType = fsType
    self.superOptions = superOptions
  }

  /// The mount table of this process's mount namespace (`/proc/self/mountinfo`), read with a read(2) loop to end
  /// of file (Foundation's `String(contentsOfFile:)` returned a short read of this procfs file once it held over
  /// ~32 KiB, and a mount past that point was never unmounted).
  public static func current() throws -> [MountInfoEntry] {
    let text: String
    do { text = try FileIO.readText("/proc/self/mountinfo") } catch {
      throw GarrisonError(.system, operation: "read /proc/self/mountinfo", "cannot read the mount table", errno: error.rawValue)
    }
    return try parse(text)
  }

  /// Parses the whole text of a mountinfo file. A malformed line is an error (never skipped).
  public static func parse(_ text: String) throws -> [MountInfoEntry] {
    var entries: [MountInfoEntry] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
      guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 3 < fields.count else {
        throw GarrisonError(
          .syntax, operation: "parse mountinfo",
          "mountinfo line \(index + 1) is malformed: \(line)")
      }
      guard let id = Int(fields[0]), let parent = Int(fields[1]) else {
        throw GarrisonError(
          .syntax, operation: "parse mountinfo",
          "mountinfo line \(index + 1) has no mount ids: \(line)")
      }
      var entry = MountInfoEntry(
        device: fields[2], root: unescape(fields[3]), mountPoint: unescape(fields[4]),
        fsType: fields[dash + 1],
        superOptions: fields[dash + 3].split(separator: ",").map(String.init))
      entry.id = id
      entry.parent = parent
      entries.append(entry)
    }
    return entries
  }

  /// Decodes the octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash)
  /// the kernel uses in mountinfo paths.
  static func unescape(_ field: String) -> String {
    guard field.contains("\\") else { return field }
    var out: [UInt8] = []
    let bytes = Array(field.utf8)
    var i = 0
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count {
        let digits = bytes[(i + 1)...(i + 3)]
        if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
          let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
          out.append(UInt8(truncatingIfNeeded: value))
          i += 4
          continue
        }
      }
      out.append(bytes[i])
      i += 1
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The id of the mount on top at `path` in `table` (the one no other mount at `path` is mounted on), or nil
  /// when nothing is mounted at `path`.
  public static func topmost(at path: String, in table: [MountInfoEntry]) -> Int? {
    let here = table.filter { $0.mountPoint == path }
    let covered = Set(here.map(\.parent))
    return here.last { !covered.contains($0.id) }?.id
  }
}
