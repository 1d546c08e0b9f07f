import Foundation
import Glibc
@testable import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// CVE-2019-5736: while garrison-init waits inside the container (created, not started), its executable as
/// seen through /proc/<pid>/exe must not be writable, even by host root, and must not be the host binary.
@Suite(.serialized) struct SealedInitTests {
  @Test(Harness.containers) func waitingInitExecutableIsReadOnlyAndNotTheHostBinary() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/true"]))
    let id = "it-sealed"
    b.ids.append(id)
    let mountsBefore = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
    let created = try b.oci(["create", "--bundle", b.dir, "--pid-file", b.dir + "/pid", id])
    #expect(created.status == 0, "\(created.stderr)")
    let pid = Int32(try String(contentsOfFile: b.dir + "/pid", encoding: .utf8)) ?? -1
    #expect(pid > 0)

    // Not the host file: a different inode from .build/debug/garrison-init.
    var host = stat()
    var exe = stat()
    #expect(stat(Harness.initBinary, &host) == 0)
    #expect(stat("/proc/\(pid)/exe", &exe) == 0)
    #expect(!(host.st_dev == exe.st_dev && host.st_ino == exe.st_ino), "the waiting init runs the host binary itself")
    // Not writable through the magic link, even for root: EROFS (read-only overlay) or EPERM (sealed memfd).
    let fd = open("/proc/\(pid)/exe", O_WRONLY | O_CLOEXEC)
    let err = errno
    if fd >= 0 { close(fd) }
    #expect(fd < 0, "opened the init executable for writing")
    #expect(err == EROFS || err == EPERM || err == ETXTBSY, "errno \(err)")
    // The overlay is detached: the host mount table did not grow.
    let mountsAfter = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
    #expect(mountsAfter.split(separator: "\n").count == mountsBefore.split(separator: "\n").count)

    #expect(try b.oci(["start", id]).status == 0)
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  @Test func lowerDirEscaping() {
    #expect(SealedInit.escapeLowerDir("/a:b\\c") == "/a\\:b\\\\c")
  }
}
