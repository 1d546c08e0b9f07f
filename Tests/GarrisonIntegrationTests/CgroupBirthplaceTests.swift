import CGarrisonLinux
import Foundation
import GarrisonKernel
@testable import GarrisonRuntime
import Testing

/// A process spawned into its cgroups (`CgroupBirthplace`): no `cgroup.procs` write, the caller's threads
/// never move, and the spawning thread leaves with its exit. Scratch cgroups `/garrison-birth-<uuid>` in the
/// pids v1 hierarchy and the cgroup2 mount, removed at the end.
@Suite(.serialized) struct CgroupBirthplaceTests {
  static let v1 = "/sys/fs/cgroup/pids"
  /// The cgroup2 mount: `unified` on this hybrid host, the root on a pure v2 host.
  static let v2: String? = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
    .first { FileManager.default.fileExists(atPath: $0 + "/cgroup.controllers") }

  static func membership(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  @Test func childIsBornInTheCgroupsAndTheCallerStaysPut() throws {
    guard Harness.canRun else { return }
    guard FileManager.default.fileExists(atPath: Self.v1 + "/tasks") else {
      print("SKIP CgroupBirthplaceTests: no pids v1 hierarchy on this host")
      return
    }
    let name = "garrison-birth-\(UUID().uuidString.prefix(8))"
    let dirs = [Self.v1 + "/" + name] + (Self.v2.map { [$0 + "/" + name] } ?? [])
    for d in dirs { #expect(mkdir(d, 0o755) == 0, "mkdir \(d): \(errno)") }
    defer { for d in dirs { rmdir(d) } }
    let before = try Self.membership("/proc/thread-self/cgroup")
    let place = try CgroupBirthplace(directories: dirs)
    #expect(place.v1Directories == [dirs[0]])
    #expect(place.v2Directory == (Self.v2 == nil ? nil : dirs[1]))

    // The spawning thread is in the cgroups while the body runs.
    let seen = try place.run { _ in try Self.membership("/proc/thread-self/cgroup") }
    #expect(seen.contains("pids:/\(name)\n"), "\(seen)")
    #expect(try Self.membership("/proc/thread-self/cgroup") == before)

    // A child spawned there reports its own cgroups; the runtime's threads stay where they were.
    let out = "/var/tmp/\(name).out"
    defer { unlink(out) }
    let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    #expect(fd >= 0)
    defer { close(fd) }
    let command = InitLauncher.SpawnCommand(path: "/bin/busybox", from: [fd], to: [1])
    let pid = try place.run { cgroupFD in
      try command.clone3(cgroupFD: cgroupFD, argv: ["cat", "/proc/self/cgroup"])
    }
    var status: Int32 = 0
    #expect(waitpid(pid, &status, 0) == pid && status == 0)
    let child = try Self.membership(out)
    #expect(child.contains("pids:/\(name)\n"), "\(child)")
    if Self.v2 != nil { #expect(child.contains("0::/\(name)\n"), "\(child)") }
    #expect(try Self.membership("/proc/thread-self/cgroup") == before)
    #expect(try Self.membership("/proc/self/cgroup") == before)
    // Nothing stays in the scratch cgroups once the child is reaped and the spawning thread is gone.
    #expect(try Self.membership(dirs[0] + "/tasks").isEmpty)
  }

  @Test func aFailedExecIsReportedWithItsErrno() throws {
    guard Harness.canRun else { return }
    let command = InitLauncher.SpawnCommand(path: "/nonexistent/garrison-init", from: [], to: [])
    #expect(throws: Errno(rawValue: ENOENT)) { try command.clone3(cgroupFD: -1) }
  }
}
