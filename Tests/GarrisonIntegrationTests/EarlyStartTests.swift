import Foundation
@testable import GarrisonInit
@testable import GarrisonInitProtocol
import GarrisonKernel
import GarrisonRuntime
import Testing

/// What makes a start overlap: the init's command line (`InitArguments`: the namespaces it creates before
/// its spec arrives, `EarlyUnshare`), and the init's refusal when its spec asks for other namespaces than the
/// ones it already made.
@Suite(.serialized) struct EarlyStartTests {
  typealias C = LinuxConstants

  @Test func onlyPlainNewNamespacesAreCreatedEarly() {
    let all: [(flag: Int32, path: String?)] = [
      (C.CLONE_NEWPID, nil), (C.CLONE_NEWNET, nil), (C.CLONE_NEWNS, nil), (C.CLONE_NEWIPC, nil),
      (C.CLONE_NEWUTS, nil), (C.CLONE_NEWCGROUP, nil),
    ]
    // The cgroup namespace keeps its step (after the cgroup move); pid is named for the spawn to make.
    #expect(EarlyUnshare.flags(all) == C.CLONE_NEWNET | C.CLONE_NEWNS | C.CLONE_NEWIPC | C.CLONE_NEWUTS | C.CLONE_NEWPID)
    #expect(EarlyUnshare.unsharedAtStart(EarlyUnshare.flags(all)) == EarlyUnshare.flags(all) & ~C.CLONE_NEWPID)
    // A user namespace, or any namespace joined by path, orders everything: nothing is made early.
    #expect(EarlyUnshare.flags(all + [(C.CLONE_NEWUSER, nil)]) == 0)
    #expect(EarlyUnshare.flags([(C.CLONE_NEWNS, nil), (C.CLONE_NEWNET, "/proc/1/ns/net")]) == 0)
    // An exec never creates namespaces.
    var exec = InitSpec(
      mode: .exec, rootfs: "/", lastCap: 40, user: .init(uid: 0, gid: 0), noNewPrivileges: true,
      cwd: "/", args: ["/bin/true"], env: [])
    exec.namespaces = [.init(flag: C.CLONE_NEWNS, type: "mount")]
    #expect(EarlyUnshare.flags(of: exec) == 0)
  }

  @Test func commandLineRoundTripsAndRefusesAnythingElse() throws {
    let arguments = InitArguments(earlyUnshare: C.CLONE_NEWNS | C.CLONE_NEWNET, tracePhases: true)
    #expect(try InitArguments.parse(arguments.rendered) == arguments)
    #expect(try InitArguments.parse([]) == InitArguments())
    #expect(throws: InitFailure.self) { try InitArguments.parse(["--unshare=\(C.CLONE_NEWUSER)"]) }
    #expect(throws: InitFailure.self) { try InitArguments.parse(["--unshare=\(C.CLONE_NEWCGROUP)"]) }
    #expect(throws: InitFailure.self) { try InitArguments.parse(["--unshare=x"]) }
    #expect(throws: InitFailure.self) { try InitArguments.parse(["--verbose"]) }
  }

  /// garrison-init started with one namespace on its command line and a spec asking for more reports the
  /// mismatch and exits before it forks anything.
  @Test(Harness.containers) func initRefusesASpecThatDiffersFromItsEarlyNamespaces() throws {
    let scratch = "/var/tmp/garrison-early-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let launcher = InitLauncher(initPath: Harness.initBinary, scratchDirectory: scratch + "/lower")
    let handle = try launcher.spawn(startFIFO: nil, earlyUnshare: C.CLONE_NEWUTS)
    defer { close(handle.sync) }
    var spec = InitSpec(
      mode: .create, rootfs: scratch, lastCap: 40, user: .init(uid: 0, gid: 0),
      noNewPrivileges: true, cwd: "/", args: ["/bin/true"], env: [])
    spec.namespaces = [.init(flag: C.CLONE_NEWNS, type: "mount"), .init(flag: C.CLONE_NEWUTS, type: "uts")]
    try InitLauncher.sendSpec(spec, to: handle)
    var reader = LineReader(fd: handle.sync)
    let line = try reader.next()
    #expect(line?.hasPrefix("error check namespaces: the command line created namespaces") == true, "\(line ?? "EOF")")
    var status: Int32 = 0
    #expect(waitpid(handle.spawnedPID, &status, 0) == handle.spawnedPID)
    #expect((status >> 8) & 0xff == 127)
    launcher.closeDetachedMounts()
  }
}

/// `ContainedRoot` (GarrisonKernel, as garrison-init uses it): the one-call open of a plain path and the component walk agree on what they resolve, and a
/// symlink still takes the walk (which refuses one that climbs out of the root).
@Suite struct ContainedRootTests {
  func withRoot(_ body: (ContainedRoot, String) throws -> Void) throws {
    let dir = "/var/tmp/garrison-safepath-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir + "/a/b", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/x/y", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "f".write(toFile: dir + "/a/b/file", atomically: false, encoding: .utf8)
    try "g".write(toFile: dir + "/x/file", atomically: false, encoding: .utf8)
    symlink("x/y", dir + "/link")  // inside the root
    symlink("../../..", dir + "/a/out")  // climbs out
    let fd = open(dir, C.O_PATH | O_DIRECTORY | O_CLOEXEC)
    #expect(fd >= 0)
    defer { close(fd) }
    try body(ContainedRoot(rootFD: fd, rootName: "test root"), dir)
  }
  typealias C = LinuxConstants

  /// The path an O_PATH descriptor refers to.
  func target(_ fd: Int32) throws -> String { try Kernel.readlink("/proc/self/fd/\(fd)") }

  @Test func plainPathsOpenDirectlyAndMissingOnesAreNil() throws {
    try withRoot { root, dir in
      let fd = try #require(try root.openExisting("/a/b/file"))
      defer { close(fd) }
      #expect(try target(fd) == dir + "/a/b/file")
      #expect(try root.openExisting("/a/b/missing") == nil)
      #expect(try root.openExisting("/a/missing/deeper") == nil)  // a missing directory: nothing to mask
    }
  }

  @Test func symlinksAndDotDotTakeTheWalk() throws {
    try withRoot { root, dir in
      // link/../file: link is x/y, so its .. is x (not the root, as a lexical reading would say).
      let fd = try #require(try root.openExisting("/link/../file"))
      defer { close(fd) }
      #expect(try target(fd) == dir + "/x/file")
      let created = try root.openCreating("/link/new/dir", file: false)
      defer { close(created) }
      #expect(try target(created) == dir + "/x/y/new/dir")
      #expect(throws: InitFailure.self) { try root.openExisting("/a/out/etc") }
      #expect(throws: InitFailure.self) { try root.openCreating("/a/out/etc", file: true) }
    }
  }
}
