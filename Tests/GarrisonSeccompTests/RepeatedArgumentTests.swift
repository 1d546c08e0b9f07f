import GarrisonTestSupport
import Testing
@testable import GarrisonSeccomp

/// A rule with several conditions on one argument index (runtime-tools' default profile, moby's too):
/// `personality` allowed when args[0] == 0x0, 0x8 or 0xffffffff. libseccomp refuses repeated comparisons of
/// one argument in one rule; the compiler adds one rule per condition (an OR, as runc does).
@Suite struct RepeatedArgumentTests {
  static let personality = ResolvedSeccompRule(
    name: "personality", action: .allow, errnoRet: nil,
    args: [
      ArgCondition(index: 0, value: 0x0, op: .equal),
      ArgCondition(index: 0, value: 0x8, op: .equal),
      ArgCondition(index: 0, value: 0xffff_ffff, op: .equal),
    ])

  static func program(_ rules: [ResolvedSeccompRule]) throws -> BPFProgram {
    let policy = ResolvedSeccompPolicy(
      defaultAction: .errno, defaultErrnoRet: 1, architectures: [.x86_64], flags: [],
      syscalls: rules + [ResolvedSeccompRule(name: "read", action: .allow, errnoRet: nil, args: [])])
    return try SeccompCompiler.compile(policy)
  }

  static func decide(_ p: BPFProgram, _ name: String, _ args: [UInt64]) throws -> SeccompDecision {
    try BPFInterpreter.decide(p, for: try #require(SeccompData(syscall: name, arch: .x86_64, args: args)))
  }

  @Test(arguments: [
    ([UInt64(0)], SeccompDecision.allow), ([0x8], .allow), ([0xffff_ffff], .allow),
    ([0x0040000], .errno(1)), ([0x9], .errno(1)), ([1], .errno(1)),
  ])
  func runtimeToolsPersonalityRuleIsAnOr(args: [UInt64], expected: SeccompDecision) throws {
    #expect(try Self.decide(Self.program([Self.personality]), "personality", args) == expected)
  }

  @Test func distinctIndexesStayOneRuleAnAnd() throws {
    let rule = ResolvedSeccompRule(
      name: "socket", action: .allow, errnoRet: nil,
      args: [
        ArgCondition(index: 0, value: 1, op: .equal), ArgCondition(index: 1, value: 2, op: .equal),
      ])
    #expect(!SeccompCompiler.splitsByCondition(rule.args))
    #expect(SeccompCompiler.splitsByCondition(Self.personality.args))
    let p = try Self.program([rule])
    #expect(try Self.decide(p, "socket", [1, 2]) == .allow)
    #expect(try Self.decide(p, "socket", [1, 3]) == .errno(1))
    #expect(try Self.decide(p, "socket", [0, 2]) == .errno(1))
  }

  @Test func theProgramIsDeterministicSoTheDigestPinHolds() throws {
    #expect(try Self.program([Self.personality]).sha256 == Self.program([Self.personality]).sha256)
  }
}
