import CGarrisonLinux
import Foundation
import GarrisonKernel
@testable import GarrisonRuntime
import Testing

/// garrison-init's way into its cgroups (`CgroupBirthplace`): born in the cgroup v2 directory, with the
/// caller staying put, and handed the v1 `tasks` files over the sync socket. Scratch cgroups
/// `/garrison-birth-<uuid>` in the pids v1 hierarchy and the cgroup2 mount, removed at the end. That the init
/// really joins them is CgroupEnforcementTests' (each `tasks` file holds exactly the container process).
@Suite(.serialized) struct CgroupBirthplaceTests {
  static let v1 = "/sys/fs/cgroup/pids"
  /// The cgroup2 mount: `unified` on this hybrid host, the root on a pure v2 host.
  static let v2: String? = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
    .first { FileManager.default.fileExists(atPath: $0 + "/cgroup.controllers") }

  static func membership(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  @Test(
    .enabled(
      if: CgroupBirthplaceTests.v2 != nil && FileManager.default.fileExists(atPath: CgroupBirthplaceTests.v1 + "/tasks"),
      "needs a pids v1 hierarchy and a cgroup2 mount (hybrid host)"), Harness.containers)
  func childIsBornInTheV2DirectoryAndTheCallerStaysPut() throws {
    let v2 = try #require(Self.v2)
    let name = "garrison-birth-\(UUID().uuidString.prefix(8))"
    let dirs = [Self.v1 + "/" + name, v2 + "/" + name]
    for d in dirs { #expect(mkdir(d, 0o755) == 0, "mkdir \(d): \(errno)") }
    defer { for d in dirs { rmdir(d) } }
    let before = try Self.membership("/proc/self/cgroup")
    let place = try CgroupBirthplace(directories: dirs)
    #expect(place.v1Directories == [dirs[0]])
    #expect(place.v2Directory == dirs[1])

    let out = "/var/tmp/\(name).out"
    defer { unlink(out) }
    let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    #expect(fd >= 0)
    defer { close(fd) }
    let cgroupFD = open(dirs[1], LinuxConstants.O_PATH | O_DIRECTORY | O_CLOEXEC)
    #expect(cgroupFD >= 0)
    defer { close(cgroupFD) }
    let command = InitLauncher.SpawnCommand(
      path: "/bin/busybox", from: [fd], to: [1],
      arguments: ["cat", "/proc/self/cgroup"])
    let pid = try command.clone3(cgroupFD: cgroupFD)
    var status: Int32 = 0
    #expect(waitpid(pid, &status, 0) == pid && status == 0)
    let child = try Self.membership(out)
    #expect(child.contains("0::/\(name)\n"), "\(child)")
    #expect(!child.contains("pids:/\(name)\n"), "v1 is the init's own move: \(child)")
    #expect(try Self.membership("/proc/self/cgroup") == before)
  }

  /// The `cgroups` message and its descriptors survive a reader that may take an earlier line in the same
  /// read: every read of the init's sync channel is a recvmsg that keeps them.
  @Test func tasksDescriptorsArriveWithTheCgroupsLine() throws {
    var pair: [Int32] = [-1, -1]
    #expect(gr_socketpair_stream(&pair) == 0)
    defer { close(pair[0]); close(pair[1]) }
    let files = (0..<3).map { _ in open("/dev/null", O_WRONLY | O_CLOEXEC) }
    defer { for f in files { close(f) } }
    try FileIO.send(fd: pair[0], Array("mapped\n".utf8))
    try FileIO.send(fd: pair[0], Array("cgroups\n".utf8), descriptors: files)
    var reader = LineReader(fd: pair[1], keepsDescriptors: true)
    #expect(try reader.next() == "mapped")
    #expect(try reader.next() == "cgroups")
    let received = reader.takeDescriptors()
    defer { for f in received { close(f) } }
    #expect(received.count == 3)
    for (mine, theirs) in zip(files, received) {
      var a = stat(), b = stat()
      #expect(fstat(mine, &a) == 0 && fstat(theirs, &b) == 0 && a.st_ino == b.st_ino && a.st_rdev == b.st_rdev)
      #expect(fcntl(theirs, F_GETFD) & FD_CLOEXEC != 0)
    }
    #expect(reader.takeDescriptors().isEmpty)
  }

  @Test(Harness.containers) func aFailedExecIsReportedWithItsErrno() throws {
    let command = InitLauncher.SpawnCommand(path: "/nonexistent/garrison-init", from: [], to: [])
    #expect(throws: Errno(rawValue: ENOENT)) { try command.clone3(cgroupFD: -1) }
  }
}
