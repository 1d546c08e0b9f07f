import GarrisonLSMHost
import GarrisonOCI
import Testing

@testable import GarrisonCompiler

/// The compiler reads nothing of the host: the host's LSMs are a value passed in, and like containerd it leaves
/// out a label the manifest did not ask for when the host lacks its LSM, and keeps an explicit one (the runtime
/// then refuses: fail closed).
struct HostLSMConfigTests {
  static let explicitAA = Fixture.pod(containerSC: "appArmorProfile: {type: Localhost, localhostProfile: mine}")
  static let explicitSE = Fixture.pod(containerSC: "seLinuxOptions: {level: \"s0:c1,c2\"}")

  @Test func defaultsFollowTheHostValue() throws {
    let plan = try Fixture.plan(Fixture.pod())
    let bare = try OCIConfigBuilder.build(plan, host: .none)
    #expect(bare.process?.apparmorProfile == nil)
    #expect(bare.process?.selinuxLabel == nil && bare.linux?.mountLabel == nil)
    let aa = try OCIConfigBuilder.build(plan, host: HostLSM(appArmor: true, seLinux: nil))
    #expect(aa.process?.apparmorProfile == plan.appArmor.profileName && aa.process?.apparmorProfile != nil)
    let se = try OCIConfigBuilder.build(plan, host: HostLSM(appArmor: false, seLinux: .permissive))
    #expect(se.process?.apparmorProfile == nil)
    #expect(se.process?.selinuxLabel == plan.seLinux.processLabel && se.linux?.mountLabel == plan.seLinux.mountLabel)
  }

  @Test func explicitRequestsStayOnAHostWithout() throws {
    #expect(try OCIConfigBuilder.build(try Fixture.plan(Self.explicitAA), host: .none).process?.apparmorProfile == "mine")
    let se = try Fixture.plan(Self.explicitSE)
    #expect(se.seLinux.explicit)
    #expect(try OCIConfigBuilder.build(se, host: .none).process?.selinuxLabel == se.seLinux.processLabel)
  }
}
