import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// Broken bundles fail with an error naming the problem and leave no state, mounts, cgroups or processes.
@Suite(.serialized) struct BadBundleTests {
  enum Breakage: String, CaseIterable, CustomTestStringConvertible {
    case missingRootfs, invalidJSON, unknownCapability, symlinkEscape, missingExecutable, userNamespace
    var testDescription: String { rawValue }
  }

  func expectNothingLeft(_ b: Harness.Bundle, id: String) {
    #expect(!FileManager.default.fileExists(atPath: "\(b.stateRoot)/\(id)"), "state left for \(id)")
    #expect(Harness.hostMounts(mentioning: b.dir).isEmpty, "mounts left: \(Harness.hostMounts(mentioning: b.dir))")
    #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/garrison-oci-\(id)"), "cgroup left")
    #expect(Harness.processes(rootedIn: b.dir).isEmpty, "processes left: \(Harness.processes(rootedIn: b.dir))")
  }

  @Test(Harness.containers, arguments: Breakage.allCases) func failsClearlyAndLeavesNothing(_ breakage: Breakage) throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = RuntimeSpecFixtures.restricted(["/bin/true"])
    var expectedText = ""
    var expectedStatus: Int32 = 2
    switch breakage {
    case .missingRootfs:
      spec.root = .init(path: "no-such-rootfs")
      expectedText = "root.path"
    case .invalidJSON:
      expectedText = "invalid JSON"
    case .unknownCapability:
      spec.process!.capabilities!.bounding = ["CAP_CHOWN", "CAP_NOT_A_CAP"]
      expectedText = "process.capabilities.bounding[1]: unknown capability CAP_NOT_A_CAP"
    case .symlinkEscape:
      try FileManager.default.createSymbolicLink(atPath: b.rootfs + "/escape", withDestinationPath: "../../../../../tmp")
      spec.mounts!.append(.init(destination: "/escape/garrison-it", type: "tmpfs", source: "tmpfs"))
      expectedText = "points outside the container root"
      expectedStatus = 4
    case .missingExecutable:
      spec.process!.args = ["/bin/no-such-program"]
      expectedText = "find executable /bin/no-such-program"
      expectedStatus = 4
    case .userNamespace:
      // A user namespace with a user the maps do not cover is refused before anything is created.
      spec.linux!.namespaces!.append(.init(type: "user"))
      spec.linux!.uidMappings = [.init(containerID: 0, hostID: 100000, size: 100)]
      spec.linux!.gidMappings = [.init(containerID: 0, hostID: 100000, size: 65536)]
      expectedText = "process.user.uid: uid 1000 is not mapped by linux.uidMappings"
    }
    try b.write(spec)
    if breakage == .invalidJSON {
      try "{\"ociVersion\": \"1.2.0\", \"process\": {".write(toFile: b.dir + "/config.json", atomically: true, encoding: .utf8)
    }
    let id = "it-bad-\(breakage.rawValue.lowercased())"
    let r = try b.oci(["run", "--bundle", b.dir, id])
    #expect(r.status == expectedStatus, "status \(r.status): \(r.stderr)")
    #expect(r.stderr.contains(expectedText), "stderr: \(r.stderr)")
    expectNothingLeft(b, id: id)
    if breakage == .symlinkEscape {
      #expect(!FileManager.default.fileExists(atPath: "/tmp/garrison-it"), "mount destination escaped to the host")
    }
  }
}
