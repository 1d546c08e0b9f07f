/// The input a seccomp filter sees (`struct seccomp_data`): syscall number, audit arch, instruction
/// pointer and six arguments; 64 bytes in host byte order.
public struct SeccompData: Hashable, Sendable {
  public var nr: Int32
  public var arch: UInt32
  public var instructionPointer: UInt64
  public var args: [UInt64]

  public init(nr: Int32, arch: UInt32 = SeccompArch.native.auditArch, instructionPointer: UInt64 = 0, args: [UInt64] = []) {
    self.nr = nr
    self.arch = arch
    self.instructionPointer = instructionPointer
    self.args = Array((args + Array(repeating: 0, count: 6)).prefix(6))
  }

  /// The call `name` on `arch` with `args`; nil when the call does not exist on that architecture.
  public init?(syscall name: String, arch: SeccompArch = .native, args: [UInt64] = []) {
    guard let nr = SyscallTable.number(of: name, on: arch) else { return nil }
    self.init(nr: nr, arch: arch.auditArch, args: args)
  }

  /// The 64-byte kernel layout.
  public var bytes: [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(64)
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v) { out.append(contentsOf: $0) } }
    append(UInt32(bitPattern: nr))
    append(arch)
    append(instructionPointer)
    for a in args { append(a) }
    return out
  }
}
