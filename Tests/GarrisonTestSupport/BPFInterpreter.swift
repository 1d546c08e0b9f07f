import GarrisonCore
import GarrisonSeccomp

/// A classic-BPF interpreter restricted to what the kernel's seccomp verifier accepts (32-bit absolute
/// loads from `seccomp_data`, scratch memory, ALU, jumps, returns). The tests use it to check what a compiled
/// program decides for a given call, without installing it.
public enum BPFInterpreter {
  /// Runs `program` over `data` and returns the decoded decision.
  public static func decide(_ program: BPFProgram, for data: SeccompData) throws -> SeccompDecision {
    SeccompDecision(returnValue: try run(program.instructions, over: data.bytes))
  }

  /// Runs the instructions over raw packet bytes and returns the 32-bit return value.
  public static func run(_ program: [BPFInstruction], over packet: [UInt8]) throws -> UInt32 {
    var a: UInt32 = 0
    var x: UInt32 = 0
    var mem = [UInt32](repeating: 0, count: 16)
    var pc = 0
    func fail(_ why: String) -> Error {
      GarrisonError(.invalid, operation: "run BPF program", "instruction \(pc): \(why)")
    }
    while pc < program.count {
      let ins = program[pc]
      pc += 1
      let code = ins.code
      switch code & 0x07 {
      case 0x00, 0x01:  // BPF_LD, BPF_LDX
        let value: UInt32
        switch code & 0xe0 {
        case 0x00: value = ins.k  // BPF_IMM
        case 0x20:  // BPF_ABS (seccomp: only 32-bit aligned words)
          guard code & 0x18 == 0x00, code & 0x07 == 0x00, ins.k % 4 == 0, Int(ins.k) + 4 <= packet.count else {
            throw fail("unsupported load at offset \(ins.k)")
          }
          value = packet.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Int(ins.k), as: UInt32.self) }
        case 0x60:  // BPF_MEM
          guard ins.k < 16 else { throw fail("scratch index \(ins.k)") }
          value = mem[Int(ins.k)]
        case 0x80: value = UInt32(packet.count)  // BPF_LEN
        default: throw fail("unsupported load mode 0x\(String(code, radix: 16))")
        }
        if code & 0x07 == 0x00 { a = value } else { x = value }
      case 0x02, 0x03:  // BPF_ST, BPF_STX
        guard ins.k < 16 else { throw fail("scratch index \(ins.k)") }
        mem[Int(ins.k)] = code & 0x07 == 0x02 ? a : x
      case 0x04:  // BPF_ALU
        let operand = code & 0x08 != 0 ? x : ins.k
        switch code & 0xf0 {
        case 0x00: a = a &+ operand
        case 0x10: a = a &- operand
        case 0x20: a = a &* operand
        case 0x30:
          guard operand != 0 else { return 0 }  // the kernel aborts the filter: kill
          a /= operand
        case 0x40: a |= operand
        case 0x50: a &= operand
        case 0x60: a = operand >= 32 ? 0 : a << operand
        case 0x70: a = operand >= 32 ? 0 : a >> operand
        case 0x80: a = 0 &- a
        case 0x90:
          guard operand != 0 else { return 0 }
          a %= operand
        case 0xa0: a ^= operand
        default: throw fail("unsupported ALU op 0x\(String(code, radix: 16))")
        }
      case 0x05:  // BPF_JMP
        let operand = code & 0x08 != 0 ? x : ins.k
        let taken: Bool
        switch code & 0xf0 {
        case 0x00:  // BPF_JA
          pc += Int(ins.k)
          continue
        case 0x10: taken = a == operand
        case 0x20: taken = a > operand
        case 0x30: taken = a >= operand
        case 0x40: taken = a & operand != 0
        default: throw fail("unsupported jump 0x\(String(code, radix: 16))")
        }
        pc += Int(taken ? ins.jt : ins.jf)
      case 0x06:  // BPF_RET
        return code & 0x18 == 0x10 ? a : ins.k
      case 0x07:  // BPF_MISC
        if code & 0xf8 == 0x00 { x = a } else if code & 0xf8 == 0x80 { a = x } else { throw fail("unsupported misc op") }
      default:
        throw fail("unsupported class")
      }
    }
    throw GarrisonError(.invalid, operation: "run BPF program", "fell off the end of the program without returning")
  }
}
