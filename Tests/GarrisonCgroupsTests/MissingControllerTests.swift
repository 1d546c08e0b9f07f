#if canImport(Glibc)
  import Glibc
#endif
import GarrisonCore
import Testing

@testable import GarrisonCgroups

/// Fail-closed behaviour with a layout that lacks the memory controller. The "hierarchy" is a
/// plain scratch directory under /var/tmp, so these tests need neither root nor real cgroups.
@Suite struct MissingControllerTests {
  static func scratchLayout() throws -> (CgroupLayout, String) {
    let scratch = "/var/tmp/garrison-cgtest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    #expect(mkdir(scratch, 0o755) == 0)
    let pids = CgroupHierarchy(
      version: .v1, hierarchyID: 8, mountPoint: scratch, mountRoot: "/", controllers: ["pids"], name: nil,
      ownPath: "/", ownDirectory: scratch)
    return (CgroupLayout(mode: .legacy, v1: [pids], unified: nil), scratch)
  }

  @Test func missingControllerFailsClosed() throws {
    let (layout, scratch) = try Self.scratchLayout()
    defer { rmdir(scratch) }
    let manager = CgroupManager(layout: layout)
    let error = #expect(throws: GarrisonError.self) {
      try manager.create(path: "garrison/p", limits: CgroupLimits(memoryLimitBytes: 1 << 20))
    }
    #expect(error?.code == .unenforceable)
    #expect(error?.message.contains("linux.resources.memory.limit") == true)
    #expect(error?.fieldPath?.description == "linux.resources.memory.limit")
    // Nothing was created.
    #expect(access(scratch + "/garrison", F_OK) != 0)
  }

  @Test func allowMissingControllersReportsWhatWasSkipped() throws {
    let (layout, scratch) = try Self.scratchLayout()
    defer {
      rmdir(scratch + "/garrison/p")
      rmdir(scratch + "/garrison")
      rmdir(scratch)
    }
    let cgroup = try CgroupManager(layout: layout).create(
      path: "garrison/p", limits: CgroupLimits(memoryLimitBytes: 1 << 20, memorySwapBytes: 2 << 20),
      allowMissingControllers: true)
    #expect(cgroup.skipped.map(\.field) == ["linux.resources.memory.limit", "linux.resources.memory.swap"])
    #expect(cgroup.skipped.allSatisfy { $0.controller == "memory" })
    #expect(cgroup.directories.map(\.path) == [scratch + "/garrison/p"])
    #expect(access(scratch + "/garrison/p", F_OK) == 0)
    #expect(throws: GarrisonError.self) { try cgroup.memoryUsage() }
  }
}
