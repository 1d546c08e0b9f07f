import Foundation
import GarrisonTestSupport
import Testing
@testable import GarrisonSeccomp

/// Every action word computed in Swift survives libseccomp and decodes back to the same decision.
@Suite struct SeccompActionTests {
  @Test func actionsRoundTripThroughLibseccomp() throws {
    let profile = try SeccompProfile.decode(
      Data(
        """
        {"defaultAction":"SCMP_ACT_KILL_PROCESS","flags":["SECCOMP_FILTER_FLAG_LOG"],
         "architectures":["SCMP_ARCH_X86_64"],
         "syscalls":[
          {"names":["read"],"action":"SCMP_ACT_ALLOW"},
          {"names":["write"],"action":"SCMP_ACT_LOG"},
          {"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":5},
          {"names":["getppid"],"action":"SCMP_ACT_TRAP"},
          {"names":["gettid"],"action":"SCMP_ACT_TRACE","errnoRet":7},
          {"names":["getuid"],"action":"SCMP_ACT_KILL_THREAD"},
          {"names":["getgid"],"action":"SCMP_ACT_ERRNO"},
          {"names":["kill"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":9,"op":"SCMP_CMP_NE"}]},
          {"names":["tkill"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":15,"op":"SCMP_CMP_LE"},{"index":0,"value":1,"op":"SCMP_CMP_GT"}]}
         ]}
        """.utf8), source: "actions.json")
    let policy = try profile.resolve(forCapabilities: [], arch: .x86_64)
    #expect(policy.architectures == [.x86_64])
    let program = try SeccompCompiler.compile(policy)
    #expect(program.filterFlags == [.log])
    #expect(program.flagBits == 2)
    func decide(_ name: String, _ args: [UInt64] = []) throws -> SeccompDecision {
      try BPFInterpreter.decide(program, for: try #require(SeccompData(syscall: name, arch: .x86_64, args: args)))
    }
    #expect(try decide("read") == .allow)
    #expect(try decide("write") == .log)
    #expect(try decide("getpid") == .errno(5))
    #expect(try decide("getppid") == .trap(0))
    #expect(try decide("gettid") == .trace(7))
    #expect(try decide("getuid") == .killThread)
    #expect(try decide("getgid") == .errno(1))  // ERRNO without errnoRet means EPERM
    #expect(try decide("open") == .killProcess)
    #expect(try decide("kill", [1, 15]) == .allow)
    #expect(try decide("kill", [1, 9]) == .killProcess)
    #expect(try decide("tkill", [2, 15]) == .allow)
    #expect(try decide("tkill", [1, 15]) == .killProcess)
    #expect(try decide("tkill", [2, 16]) == .killProcess)
    // x86 was not listed, so an i386 call is a bad-arch kill.
    #expect(try BPFInterpreter.decide(program, for: try #require(SeccompData(syscall: "read", arch: .x86))) == .killThread)
  }

  @Test func macroEquivalents() {
    #expect(SeccompAction.errno.rawValue(errno: 1) == 0x0005_0001)
    #expect(SeccompAction.errno.rawValue(errno: 0x1_0026) == 0x0005_0026)
    #expect(SeccompAction.trace.rawValue(errno: 3) == 0x7ff0_0003)
    #expect(SeccompDecision(returnValue: 0x0005_0026) == .errno(38))
    #expect(SeccompDecision(returnValue: 0x1234_0000) == .unknown(0x1234_0000))
  }
}
