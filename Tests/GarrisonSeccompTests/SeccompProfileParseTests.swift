import Foundation
import GarrisonCore
import Testing
@testable import GarrisonSeccomp

@Suite struct SeccompProfileParseTests {
  @Test func runtimeDefaultParsesAndValidates() throws {
    let profile = try Fixtures.runtimeDefault()
    #expect(profile.garrisonProfileVersion == "1.0.0")
    #expect(profile.defaultAction == .errno)
    #expect(profile.defaultErrnoRet == 1)
    #expect(profile.syscalls.count > 20)
  }

  func decodeError(_ json: String) -> GarrisonError? {
    do {
      _ = try SeccompProfile.decode(Data(json.utf8), source: "test.json")
      return nil
    } catch let e as GarrisonError {
      return e
    } catch {
      return nil
    }
  }

  @Test func unknownSyscallNamesTheJSONPath() throws {
    let e = try #require(
      decodeError(
        """
        {"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},
         {"names":["write","frobnicate"],"action":"SCMP_ACT_ALLOW"}]}
        """))
    #expect(e.fieldPath?.description == "syscalls[1].names[1]")
    #expect(e.message.contains("frobnicate"))
    #expect(e.message.contains("test.json"))
  }

  @Test(arguments: [
    (#"{"defaultAction":"SCMP_ACT_MAYBE","syscalls":[]}"#, "defaultAction"),
    (#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_VAX"]}"#, "architectures[0]"),
    (
      #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_ALMOST"}]}]}"#,
      "syscalls[0].args[0].op"
    ),
    (
      #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["vax"]}}]}"#,
      "syscalls[0].includes.arches[0]"
    ),
    (
      #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_FLY"]}}]}"#,
      "syscalls[0].includes.caps[0]"
    ),
    (#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","errnoRet":1}]}"#, "syscalls[0].action"),
    (
      #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}"#,
      "syscalls[0].args[0].index"
    ),
    (#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","bogus":true}]}"#, "syscalls[0].bogus"),
    (#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrno":1}"#, "defaultErrno"),
    (#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}"#, "syscalls[0].action"),
    (#"{"syscalls":[]}"#, "defaultAction"),
  ])
  func invalidProfilesAreRejectedWithPath(json: String, path: String) throws {
    let e = try #require(decodeError(json))
    #expect(e.fieldPath?.description == path, "\(e)")
  }

  @Test func syntaxErrorIsSyntax() throws {
    let e = try #require(decodeError("{\"defaultAction\": "))
    #expect(e.code == .syntax)
  }

  @Test func mobyStyleProfileWithLegacyNameAndNullSubArchitectures() throws {
    let p = try SeccompProfile.decode(
      Data(
        """
        {"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_RISCV64","subArchitectures":null}],
         "syscalls":[{"name":"read","action":"SCMP_ACT_ALLOW"}]}
        """.utf8), source: "legacy.json")
    #expect(p.syscalls[0].names == ["read"])
  }

  @Test func archTokensMatchLibseccomp() {
    for arch in SeccompArch.allCases {
      let name = String(arch.rawValue.dropFirst("SCMP_ARCH_".count)).lowercased()
      #expect(seccompArchResolve(name) == arch.token, "\(arch)")
    }
  }
}
