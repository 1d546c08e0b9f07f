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
    // 6 loads + null (type, major, minor tests + mov + exit) + deny-all (mov + exit); deny-all decides every
    // device, so no final default follows it (the 6.1 verifier rejects unreachable instructions).
    #expect(p.instructions.count == 6 + 5 + 2)
    #expect(p.instructions[6].code == DeviceProgram.Op.jneK && p.instructions[6].imm == 2 && p.instructions[6].offset == 4)
    #expect(p.instructions[9].imm == 1 && p.instructions[11].imm == 0)
    #expect(DeviceProgramSemanticsTests.unreachable(p).isEmpty)
    #expect(DeviceProgramSemanticsTests.unreachable(DeviceProgram(rules: [null])).isEmpty)
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

  /// The host's cgroup layout, if it can be read.
  static let host = try? CgroupManager.detect()

  @Test(.enabled(if: host?.layout.hierarchy(for: "devices")?.version == .v1, "no v1 devices hierarchy on this host"))
  func v1DevicesController() throws {
    let full = try CgroupManager.detect()
    defer { try? full.removeTree(path: root) }
    let cgroup = try full.create(path: root + "/v1", limits: .none)
    #expect(try cgroup.applyDeviceRules(try rules()) == .v1DevicesController)
    #expect(try run(Self.probe, in: cgroup).split(separator: "\n") == ["null", "fuse-r"])
  }

  /// The host layout without its v1 devices hierarchy, so rules must go to the cgroup2 directory.
  @Test(.enabled(if: host?.layout.unified != nil, "no cgroup2 mount on this host"))
  func v2DeviceProgram() throws {
    let full = try CgroupManager.detect()
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
  @Test(
    .enabled(
      if: host?.layout.unified?.controllers.contains("pids") == true,
      "the pids controller is not available in cgroup2 (a hybrid host binds it to a v1 hierarchy)"))
  func v2PidsLimit() throws {
    let full = try CgroupManager.detect()
    var layout = full.layout
    layout.v1.removeAll { $0.controllers.contains("pids") }
    let manager = CgroupManager(layout: layout)
    defer { try? full.removeTree(path: root) }
    let cgroup = try manager.create(path: root + "/pids", limits: CgroupLimits(pidsLimit: 10))
    #expect(try CgroupFS.readValue(try #require(cgroup.unifiedDirectory).path + "/pids.max") == "10")
  }
}

/// The device program's decisions, by running its instructions on a tiny interpreter of the eBPF
/// opcodes it uses (no root or kernel needed): last matching rule wins, an allow rule needs every
/// requested access, a deny rule any, and no match denies.
struct DeviceProgramSemanticsTests {
  /// Runs `program` on `struct bpf_cgroup_dev_ctx { access_type, major, minor }`; returns r0.
  static func run(_ program: DeviceProgram, type: UInt32, access: UInt32, major: UInt32, minor: UInt32) -> UInt64 {
    let ctx = [type | access << 16, major, minor]
    var r = [UInt64](repeating: 0, count: 11)
    var pc = 0
    let code = program.instructions
    while pc < code.count {
      let i = code[pc]
      let d = Int(i.dst), s = Int(i.src), k = UInt64(bitPattern: Int64(i.imm))
      pc += 1
      switch i.code {
      case DeviceProgram.Op.ldxw: r[d] = UInt64(ctx[Int(i.offset) / 4])
      case DeviceProgram.Op.andK: r[d] &= k
      case DeviceProgram.Op.rshK: r[d] >>= k
      case DeviceProgram.Op.movK: r[d] = k
      case DeviceProgram.Op.movX: r[d] = r[s]
      case DeviceProgram.Op.jneK: if r[d] != k { pc += Int(i.offset) }
      case DeviceProgram.Op.jeqK: if r[d] == k { pc += Int(i.offset) }
      case DeviceProgram.Op.jsetK: if r[d] & k != 0 { pc += Int(i.offset) }
      case DeviceProgram.Op.exit: return r[0]
      default: Issue.record("unexpected opcode \(i.code)"); return 99
      }
    }
    Issue.record("fell off the end")
    return 99
  }

  static func rule(_ allow: Bool, _ type: String, _ major: Int64?, _ minor: Int64?, _ access: String) -> DeviceRule {
    // The table below only holds valid rules.
    do { return try DeviceRule(allow: allow, type: type, major: major, minor: minor, access: access, field: FieldPath("t")) } catch {
      Issue.record("bad test rule: \(error)")
      return DeviceRule.allowChar(0, 0)
    }
  }

  /// (rules, device "c 10:229", requested access, allowed?)
  static let cases: [([DeviceRule], String, String, Bool)] = [
    ([], "c 1:3", "r", false),
    ([rule(false, "a", nil, nil, "rwm"), rule(true, "c", 1, 3, "rwm")], "c 1:3", "rw", true),
    ([rule(false, "a", nil, nil, "rwm"), rule(true, "c", 1, 3, "rwm")], "c 1:5", "r", false),
    ([rule(false, "a", nil, nil, "rwm"), rule(true, "c", 1, 3, "rwm")], "b 1:3", "r", false),
    ([rule(true, "a", nil, nil, "rwm"), rule(false, "c", 10, 229, "w")], "c 10:229", "r", true),
    ([rule(true, "a", nil, nil, "rwm"), rule(false, "c", 10, 229, "w")], "c 10:229", "rw", false),
    ([rule(true, "a", nil, nil, "rwm"), rule(false, "c", 10, 229, "w")], "c 5:0", "rw", true),
    ([rule(true, "c", 10, nil, "r")], "c 10:200", "r", true),
    ([rule(true, "c", 10, nil, "r")], "c 10:200", "rw", false),
    ([rule(true, "c", 10, nil, "r")], "c 11:0", "r", false),
    ([rule(true, "c", 10, 229, "rw"), rule(false, "c", nil, nil, "m")], "c 10:229", "m", false),
    ([rule(true, "c", 10, 229, "rw"), rule(false, "c", nil, nil, "m")], "c 10:229", "rw", true),
    ([rule(false, "c", 10, 229, "rwm"), rule(true, "c", 10, 229, "r")], "c 10:229", "r", true),
    ([rule(true, "c", 10, 229, "r"), rule(false, "c", 10, 229, "rwm")], "c 10:229", "r", false),
  ]

  @Test(arguments: cases)
  func decides(_ rules: [DeviceRule], _ device: String, _ access: String, _ allowed: Bool) throws {
    let parts = device.split(whereSeparator: { $0 == " " || $0 == ":" })
    let type: UInt32 = parts[0] == "b" ? 1 : 2  // BPF_DEVCG_DEV_BLOCK / _CHAR
    let bits = UInt32(DeviceProgram.accessMask(access))
    let program = DeviceProgram(rules: rules)
    let r0 = Self.run(program, type: type, access: bits, major: UInt32(parts[1])!, minor: UInt32(parts[2])!)
    #expect(r0 == (allowed ? 1 : 0), "\(rules) \(device) \(access)")
    #expect(Self.unreachable(program).isEmpty, "unreachable instructions in \(rules)")
  }

  /// Indices of instructions no path from the first reaches (the kernel verifier refuses such programs).
  static func unreachable(_ p: DeviceProgram) -> [Int] {
    let jumps: Set<UInt8> = [DeviceProgram.Op.jneK, DeviceProgram.Op.jeqK, DeviceProgram.Op.jsetK]
    var seen = Set<Int>()
    var stack = [0]
    while let i = stack.popLast() {
      guard i < p.instructions.count, seen.insert(i).inserted else { continue }
      let insn = p.instructions[i]
      if insn.code == DeviceProgram.Op.exit { continue }
      stack.append(i + 1)
      if jumps.contains(insn.code) { stack.append(i + 1 + Int(insn.offset)) }
    }
    return p.instructions.indices.filter { !seen.contains($0) }
  }
}
