import Foundation
import GarrisonCore
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// `linux.personality`: LINUX32 makes the container process (and an exec'd one) report a 32-bit machine, LINUX
/// leaves it as the host's; other domains and any flags are refused by name.
@Suite(.serialized) struct PersonalityTests {
  /// `uname -m` of the host.
  static let hostMachine: String = {
    var host = utsname()
    uname(&host)
    return withUnsafeBytes(of: host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
  }()

  func spec(_ domain: String, _ args: [String]) -> RuntimeSpec {
    var s = RuntimeSpecFixtures.restricted(args)
    s.linux!.personality = .init(domain: domain)
    return s
  }

  @Test(.enabled(if: PersonalityTests.hostMachine == "x86_64", "LINUX32 is checked on x86_64 hosts"), Harness.containers)
  func linux32ReportsA32BitMachineInsideAndInExec() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let r32 = try b.run(spec("LINUX32", ["/bin/busybox", "uname", "-m"]))
    #expect(r32.status == 0 && r32.stdout == "i686\n", "\(r32.stdout) \(r32.stderr)")
    let r64 = try b.run(spec("LINUX", ["/bin/busybox", "uname", "-m"]))
    #expect(r64.status == 0 && r64.stdout == "x86_64\n", "\(r64.stdout) \(r64.stderr)")

    try b.write(spec("LINUX32", ["/bin/sleep", "30"]))
    let id = "it-personality"
    b.ids.append(id)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, id]).status == 0)
    let ex = try b.oci(["exec", id, "/bin/busybox", "uname", "-m"])
    #expect(ex.status == 0 && ex.stdout == "i686\n", "exec keeps the container's personality: \(ex.stdout) \(ex.stderr)")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
  }

  @Test func unknownDomainsAndFlagsAreRefused() throws {
    func error(_ p: RuntimeSpec.Personality) throws -> GarrisonError? {
      var s = RuntimeSpecFixtures.restricted(["/bin/true"])
      s.linux!.personality = p
      return try RuntimeSpecFixtures.buildError(s)
    }
    #expect(try error(.init(domain: "LINUX64"))?.fieldPath?.description == "linux.personality.domain")
    #expect(try error(.init(domain: "LINUX32", flags: ["ADDR_NO_RANDOMIZE"]))?.fieldPath?.description == "linux.personality.flags")
    let config = #"{"ociVersion": "1.2.0", "linux": {"personality": {"domain": "LINUX32"}}}"#
    #expect(try BundleLoader.decode(Data(config.utf8)).linux?.personality == .init(domain: "LINUX32"))
  }
}
