#if canImport(Glibc)
  import Glibc
#endif
import CGarrisonLinux
import GarrisonCore
import GarrisonKernel

/// The cgroup v2 replacement of the devices controller: an eBPF program of type
/// BPF_PROG_TYPE_CGROUP_DEVICE built from device rules, loaded with `bpf(BPF_PROG_LOAD)` and attached
/// to a cgroup2 directory with `bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)`.
///
/// The program reads `struct bpf_cgroup_dev_ctx` (access_type = type | access << 16, major, minor),
/// tests the rules from last to first (the last matching rule wins, as in v1) and returns 1 (allow) or
/// 0 (deny); a device no rule matches is denied. An allow rule matches when every requested access is
/// in its `access`; a deny rule when any requested access is.
public struct DeviceProgram: Sendable, Hashable {
  /// One `struct bpf_insn`.
  public struct Instruction: Sendable, Hashable {
    public var code: UInt8
    public var dst: UInt8
    public var src: UInt8
    public var offset: Int16
    public var imm: Int32
  }

  public var rules: [DeviceRule]
  public var instructions: [Instruction]

  public init(rules: [DeviceRule]) {
    self.rules = rules
    var code: [Instruction] = [
      .init(code: Op.ldxw, dst: 2, src: 1, offset: 0, imm: 0),  // r2 = ctx->access_type
      .init(code: Op.andK, dst: 2, src: 0, offset: 0, imm: 0xffff),  // r2 = device type
      .init(code: Op.ldxw, dst: 3, src: 1, offset: 0, imm: 0),  // r3 = ctx->access_type
      .init(code: Op.rshK, dst: 3, src: 0, offset: 0, imm: 16),  // r3 = requested access
      .init(code: Op.ldxw, dst: 4, src: 1, offset: 4, imm: 0),  // r4 = ctx->major
      .init(code: Op.ldxw, dst: 5, src: 1, offset: 8, imm: 0),  // r5 = ctx->minor
    ]
    // A rule without tests (`a` with rwm) decides every device: the rules before it and the default after it
    // would be unreachable, which the verifier rejects (Linux 6.1: "unreachable insn").
    var decided = false
    for rule in rules.reversed() {
      let block = Self.block(rule)
      code += block
      if !block.contains(where: { [Op.jneK, Op.jeqK, Op.jsetK].contains($0.code) }) {
        decided = true
        break
      }
    }
    if !decided {
      code += [.init(code: Op.movK, dst: 0, src: 0, offset: 0, imm: 0), .init(code: Op.exit, dst: 0, src: 0, offset: 0, imm: 0)]
    }
    instructions = code
  }

  /// eBPF opcodes used, composed from GarrisonKernel's `<linux/bpf.h>` constants (class | op | source).
  enum Op {
    typealias C = LinuxConstants
    static let ldxw = C.BPF_LDX | C.BPF_MEM | C.BPF_W
    static let andK = C.BPF_ALU64 | C.BPF_AND | C.BPF_K
    static let rshK = C.BPF_ALU64 | C.BPF_RSH | C.BPF_K
    static let movK = C.BPF_ALU64 | C.BPF_MOV | C.BPF_K
    static let movX = C.BPF_ALU64 | C.BPF_MOV | C.BPF_X
    static let jneK = C.BPF_JMP | C.BPF_JNE | C.BPF_K
    static let jeqK = C.BPF_JMP | C.BPF_JEQ | C.BPF_K
    static let jsetK = C.BPF_JMP | C.BPF_JSET | C.BPF_K
    static let exit = C.BPF_JMP | C.BPF_EXIT
  }

  /// `BPF_DEVCG_ACC_*` bits of an access string.
  static func accessMask(_ access: String) -> Int32 {
    (access.contains("m") ? 1 : 0) | (access.contains("r") ? 2 : 0) | (access.contains("w") ? 4 : 0)
  }

  /// The instructions of one rule: tests that jump past the block when the device does not match,
  /// then `r0 = allow; exit`.
  static func block(_ rule: DeviceRule) -> [Instruction] {
    var tests: [Instruction] = []  // offsets patched below: "skip to the end of the block"
    switch rule.kind {
    case .all: break
    case .block: tests.append(.init(code: Op.jneK, dst: 2, src: 0, offset: 0, imm: 1))  // BPF_DEVCG_DEV_BLOCK
    case .char: tests.append(.init(code: Op.jneK, dst: 2, src: 0, offset: 0, imm: 2))  // BPF_DEVCG_DEV_CHAR
    }
    if let major = rule.major { tests.append(.init(code: Op.jneK, dst: 4, src: 0, offset: 0, imm: Int32(bitPattern: UInt32(major)))) }
    if let minor = rule.minor { tests.append(.init(code: Op.jneK, dst: 5, src: 0, offset: 0, imm: Int32(bitPattern: UInt32(minor)))) }
    let mask = accessMask(rule.access)
    var setup: [(Int, Instruction)] = []  // instructions that are not jumps, by position
    if rule.allow {
      // Skip unless requested ⊆ mask: any requested bit outside the mask skips.
      if mask != 7 { tests.append(.init(code: Op.jsetK, dst: 3, src: 0, offset: 0, imm: 7 & ~mask)) }
    } else if mask != 7 {
      // Skip unless requested ∩ mask ≠ ∅: r1 = r3 & mask; if r1 == 0 skip.
      setup.append((tests.count, .init(code: Op.movX, dst: 1, src: 3, offset: 0, imm: 0)))
      setup.append((tests.count, .init(code: Op.andK, dst: 1, src: 0, offset: 0, imm: mask)))
      tests.append(.init(code: Op.jeqK, dst: 1, src: 0, offset: 0, imm: 0))
    }
    var out: [Instruction] = []
    for (i, test) in tests.enumerated() {
      out += setup.filter { $0.0 == i }.map(\.1)
      out.append(test)
    }
    out += [
      .init(code: Op.movK, dst: 0, src: 0, offset: 0, imm: rule.allow ? 1 : 0), .init(code: Op.exit, dst: 0, src: 0, offset: 0, imm: 0),
    ]
    for i in out.indices where [Op.jneK, Op.jeqK, Op.jsetK].contains(out[i].code) {
      out[i].offset = Int16(out.count - 1 - i)
    }
    return out
  }

  /// The program as `struct bpf_insn` bytes (little-endian host).
  public var bytes: [UInt8] {
    var b: [UInt8] = []
    b.reserveCapacity(instructions.count * 8)
    for i in instructions {
      b.append(i.code)
      b.append((i.src << 4) | (i.dst & 0x0f))
      withUnsafeBytes(of: i.offset.littleEndian) { b += $0 }
      withUnsafeBytes(of: i.imm.littleEndian) { b += $0 }
    }
    return b
  }

  /// Loads the program and attaches it to the cgroup2 directory `directory`. The attachment keeps the
  /// program alive; it goes with the cgroup. Errors carry the verifier log.
  public func attach(to directory: String) throws {
    let bytes = self.bytes
    var log = [CChar](repeating: 0, count: 16384)
    let prog = bytes.withUnsafeBytes { insns in
      log.withUnsafeMutableBufferPointer {
        gr_bpf_load_cgroup_device(insns.baseAddress, UInt32(instructions.count), $0.baseAddress, UInt32($0.count))
      }
    }
    if prog < 0 {
      let e = errno
      let verifier = String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      throw GarrisonError(
        e == EPERM ? .unenforceable : .system, operation: "bpf(BPF_PROG_LOAD)",
        "cannot load the cgroup device program (\(instructions.count) instructions): \(Errno(rawValue: e).name)"
          + (verifier.isEmpty ? "" : "; verifier: \(verifier)"),
        field: FieldPath("linux.resources.devices"), errno: e)
    }
    defer { close(prog) }
    let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir < 0 { throw CgroupFS.failure("open", path: directory, errno: errno) }
    defer { close(dir) }
    if gr_bpf_attach_cgroup_device(dir, prog) != 0 {
      let e = errno
      throw GarrisonError(
        .system, operation: "bpf(BPF_PROG_ATTACH)", "cannot attach the device program to \(directory): \(Errno(rawValue: e).name)",
        field: FieldPath("linux.resources.devices"), errno: e)
    }
  }
}
