import Foundation
import GarrisonKernel
import Testing

/// The pod network's ioctls and the sandbox's spawn into new namespaces.
@Suite struct NetworkInterfaceTests {
  @Test func anUnknownInterfaceIsENODEV() {
    #expect(throws: Errno(rawValue: ENODEV)) { try Kernel.setInterfaceUp("gnosuch0") }
  }

  @Test(arguments: [String(repeating: "x", count: 16), "lo\u{0}x"])
  func aNameTheKernelCannotHoldIsEINVAL(_ name: String) {
    #expect(throws: Errno.EINVAL) { try Kernel.setInterfaceUp(name) }
  }

  @Test func aMissingProgramIsENOENT() {
    #expect(throws: Errno.ENOENT) {
      try Kernel.spawnInNewNamespaces("/nonexistent/sleep", arguments: ["sleep"], environment: [], namespaceFlags: 0)
    }
  }

  /// A process born in a new network namespace has one of its own, whose `lo` is down until `setInterfaceUp`
  /// runs on a thread that joined it (IPv6's `::1` appears on `lo` once it is up).
  @Test(
    .enabled(if: geteuid() == 0, "creating a network namespace needs root"),
    .enabled(if: FileManager.default.isReadableFile(atPath: "/proc/net/if_inet6"), "IPv6 is off: ::1 cannot show lo up"))
  func loopbackComesUpInTheNamespaceOfTheSpawnedProcess() throws {
    let sleep = try #require(["/usr/bin/sleep", "/bin/sleep"].first { Kernel.isExecutable($0) })
    let pid = try Kernel.spawnInNewNamespaces(
      sleep, arguments: ["sleep", "30"], environment: [], namespaceFlags: LinuxConstants.CLONE_NEWNET)
    defer {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      _ = waitpid(pid, &status, 0)
    }
    let theirs = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
    #expect(theirs != (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")))
    func loopbackHasIPv6() throws -> Bool {
      try String(contentsOfFile: "/proc/\(pid)/net/if_inet6", encoding: .utf8).contains(" lo\n")
    }
    #expect(try !loopbackHasIPv6())
    let target = NamespaceThread.Target(path: "/proc/\(pid)/ns/net", type: LinuxConstants.CLONE_NEWNET)
    try NamespaceThread.run(joining: [target]) { try Kernel.setInterfaceUp("lo") }
    #expect(try loopbackHasIPv6())
  }
}
