import Foundation
import Testing

@testable import GarrisonSeccomp

/// `canonicalJSON()` is written without `JSONEncoder` (it keys the BPF cache on every start); these pin its bytes to
/// `JSONEncoder`'s, so keys and digests stay what they were.
@Suite struct CanonicalPolicyJSONTests {
  @Test func runtimeDefaultMatchesTheEncoder() throws {
    for caps in [Fixtures.containerdDefaultCaps, []] {
      let policy = try Fixtures.runtimeDefault().resolve(forCapabilities: caps, arch: .x86_64)
      #expect(policy.syscalls.contains { !$0.args.isEmpty })
      #expect(try policy.canonicalJSON() == policy.encoderJSON())
    }
  }

  @Test func everyFieldAndNilOptionalMatchesTheEncoder() throws {
    let rules = [
      ResolvedSeccompRule(
        name: "personality", action: .allow, errnoRet: nil,
        args: [
          ArgCondition(index: 0, value: 0xFFFF_FFFF, valueTwo: 8, op: .maskedEqual),
          ArgCondition(index: 5, value: UInt64.max, op: .notEqual),
        ]),
      ResolvedSeccompRule(name: "ptrace", action: .errno, errnoRet: 1, args: []),
      ResolvedSeccompRule(name: "a/b", action: .trace, errnoRet: 0, args: []),
    ]
    for (defaultAction, errno) in [(SeccompAction.errno, UInt32?.some(38)), (.killProcess, nil)] {
      let policy = ResolvedSeccompPolicy(
        defaultAction: defaultAction, defaultErrnoRet: errno, architectures: [.x86, .x86_64, .x32],
        flags: SeccompFilterFlag.allCases.sorted(), syscalls: rules)
      #expect(try policy.canonicalJSON() == policy.encoderJSON())
      #expect(CanonicalPolicyWriter.write(policy) != nil)
    }
    let empty = ResolvedSeccompPolicy(defaultAction: .allow, defaultErrnoRet: nil, architectures: [], flags: [], syscalls: [])
    #expect(try empty.canonicalJSON() == empty.encoderJSON())
  }

  @Test func stringsNeedingEscapesAreLeftToTheEncoder() throws {
    for name in ["quo\"te", "back\\slash", "tab\t", "nul\u{0}", "é"] {
      let policy = ResolvedSeccompPolicy(
        defaultAction: .errno, defaultErrnoRet: 1, architectures: [.x86_64], flags: [],
        syscalls: [ResolvedSeccompRule(name: name, action: .allow, errnoRet: nil, args: [])])
      #expect(CanonicalPolicyWriter.write(policy) == nil)
      #expect(try policy.canonicalJSON() == policy.encoderJSON())
    }
  }
}
