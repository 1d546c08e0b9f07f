#if canImport(Glibc)
  import Glibc
#endif
import Foundation
import GarrisonCore
import Testing

@testable import GarrisonCgroups

/// Parsing of OCI device rules and the shape of the v2 device program.
struct DeviceRuleTests {
  @Test func parsesAndFormatsV1Lines() throws {
    let f = FieldPath("linux.resources.devices") / 0
    #expect(try DeviceRule(allow: false, type: nil, major: nil, minor: nil, access: nil, field: f).v1Line == "a")
    #expect(try DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "wr", field: f).v1Line == "c 1:3 rw")
    #expect(try DeviceRule(allow: true, type: "b", major: 8, minor: -1, access: "m", field: f).v1Line == "b 8:* m")
    #expect(try DeviceRule(allow: true, type: "c", major: nil, minor: nil, access: "mmr", field: f).access == "rm")
  }

  @Test(arguments: [("x", "rwm", "type"), ("c", "rwx", "access"), ("c", "", "access")])
  func rejectsBadRules(_ type: String, _ access: String, _ field: String) {
    let f = FieldPath("linux.resources.devices") / 2
    #expect {
      try DeviceRule(allow: true, type: type, major: 1, minor: 1, access: access, field: f)
    } throws: { ($0 as? GarrisonError)?.fieldPath == f / field }
  }

  /// One block per rule, tested last rule first; a rule on every device has no tests, only `r0 = x; exit`.
  @Test func programLayout() throws {
    let f = FieldPath("d")
    let denyAll = try DeviceRule(allow: false, type: "a", major: nil, minor: nil, access: "rwm", field: f)
    let null = DeviceRule.allowChar(1, 3)
    let p = DeviceProgram(rules: [denyAll, null])
    // 6 loads + null (type, major, minor tests + mov + exit) + deny-all (mov + exit) + final (mov + exit)
    #expect(p.instructions.count == 6 + 5 + 2 + 2)
    #expect(p.instructions[6].code == DeviceProgram.Op.jneK && p.instructions[6].imm == 2 && p.instructions[6].offset == 4)
    #expect(p.instructions[9].imm == 1 && p.instructions[11].imm == 0)
    #expect(p.bytes.count == p.instructions.count * 8)
  }
}

/// Device rules enforced for real: the v1 devices controller, and the v2 eBPF program on this host's
/// cgroup2 mount (BPF device programs run on the unified hierarchy even in hybrid mode, where it has no
/// controllers). Root only, each under a unique `garrison-test-…` tree removed afterwards.
@Suite(.serialized, .enabled(if: isRoot, "needs root to create cgroups and load BPF programs"))
struct LiveDeviceTests {
  let root = "garrison-test-dev-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

  /// Runs `script` (after it is placed in `cgroup`) and returns its standard output.
  func run(_ script: String, in cgroup: Cgroup) throws -> String {
    let go = Pipe(), out = Pipe()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "read line; " + script]
    p.standardInput = go
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    do { try cgroup.addProcess(p.processIdentifier) } catch {
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      throw error
    }
    try go.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  static let probe = """
    (exec 3</dev/null) && echo null; (exec 3<>/dev/fuse) && echo fuse-rw; (exec 3</dev/fuse) && echo fuse-r; \
    (exec 3</dev/loop-control) && echo loop
    """

  func rules() throws -> [DeviceRule] {
    [try DeviceRule(allow: true, type: "c", major: 10, minor: 229, access: "r", field: FieldPath("d"))]
  }

  @Test func v1DevicesController() throws {
    let full = try CgroupManager.detect()
    guard let h = full.layout.hierarchy(for: "devices"), h.version == .v1 else {
      print("SKIP v1DevicesController: no v1 devices hierarchy on this host (\(full.layout.mode))")
      return
    }
    defer { try? full.removeTree(path: root) }
    let cgroup = try full.create(path: root + "/v1", limits: .none)
    #expect(try cgroup.applyDeviceRules(try rules()) == .v1DevicesController)
    #expect(try run(Self.probe, in: cgroup).split(separator: "\n") == ["null", "fuse-r"])
  }

  /// The host layout without its v1 devices hierarchy, so rules must go to the cgroup2 directory.
  @Test func v2DeviceProgram() throws {
    let full = try CgroupManager.detect()
    guard full.layout.unified != nil else {
      print("SKIP v2DeviceProgram: no cgroup2 mount on this host (\(full.layout.mode))")
      return
    }
    var layout = full.layout
    layout.v1.removeAll { $0.controllers.contains("devices") }
    let manager = CgroupManager(layout: layout)
    defer { try? full.removeTree(path: root) }
    let cgroup = try manager.create(path: root + "/v2", limits: .none)
    #expect(try cgroup.applyDeviceRules(try rules()) == .v2DeviceProgram)
    #expect(try run(Self.probe, in: cgroup).split(separator: "\n") == ["null", "fuse-r"])
  }

  /// Resource limits on cgroup v2 need the controller in the unified hierarchy; on this hybrid host
  /// every controller is bound to a v1 hierarchy, which the kernel never lends to cgroup2.
  @Test func v2PidsLimit() throws {
    let full = try CgroupManager.detect()
    guard let unified = full.layout.unified, unified.controllers.contains("pids") else {
      print("SKIP v2PidsLimit: the pids controller is not available in cgroup2 (\(full.layout.mode) host; "
            + "cgroup.controllers of \(full.layout.unified?.ownDirectory ?? "-"): "
            + "\(full.layout.unified?.controllers.sorted() ?? [])); it is bound to a v1 hierarchy")
      return
    }
    var layout = full.layout
    layout.v1.removeAll { $0.controllers.contains("pids") }
    let manager = CgroupManager(layout: layout)
    defer { try? full.removeTree(path: root) }
    let cgroup = try manager.create(path: root + "/pids", limits: CgroupLimits(pidsLimit: 10))
    #expect(try CgroupFS.readValue(try #require(cgroup.unifiedDirectory).path + "/pids.max") == "10")
  }
}
