import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// Issue 13: a read-only (or otherwise re-optioned) bind mount must keep its source's nosuid/nodev/noexec. The
/// remount after a bind sets every flag anew, and used to pass only MS_RDONLY: a secret volume (a nosuid,noexec
/// tmpfs) lost both inside the container, and a setuid file in it gave a uid-1000 process euid 0.
@Suite(.serialized, .enabled(if: Harness.skipReason == nil, "\(Harness.skipReason ?? "")"))
struct BindMountFlagsTests {
  /// The mount options of `destination` as the container sees them (mountinfo field 6).
  func options(of destination: String, in output: String) -> Set<String> {
    for line in output.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.count > 5, fields[4] == destination { return Set(fields[5].split(separator: ",").map(String.init)) }
    }
    return []
  }

  @Test(arguments: [["rbind", "ro"], ["rbind", "rw", "nosuid"], ["bind", "ro", "rprivate"]])
  func remountKeepsTheSourcesRestrictions(bindOptions: [String]) throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let source = b.dir + "-src"
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: source) }
    guard mount("tmpfs", source, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "size=1m") == 0 else {
      Issue.record("cannot mount a nosuid,nodev,noexec tmpfs at \(source): errno \(errno)")
      return
    }
    defer { umount2(source, Int32(MNT_DETACH)) }
    var spec = RuntimeSpecFixtures.restricted(["/bin/cat", "/proc/self/mountinfo"])
    spec.mounts!.append(.init(destination: "/data", type: "bind", source: source, options: bindOptions))
    let r = try b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    let got = options(of: "/data", in: r.stdout)
    #expect(got.isSuperset(of: ["nosuid", "nodev", "noexec"]), "mount options of /data: \(got)")
    #expect(got.contains(bindOptions.contains("ro") ? "ro" : "rw"))
  }
}
