import GarrisonPlan
import Testing
@testable import GarrisonCompiler

/// containerd's add/drop rules, privileged, and the sets held after execve.
struct CapabilityTests {
  static let defaults = Capability.containerdDefault.map(\.name)

  @Test(
    arguments: [
      ("", defaults),
      ("capabilities: {drop: [ALL]}", []),
      ("capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}", ["CAP_NET_BIND_SERVICE"]),
      ("capabilities: {drop: [ALL], add: [cap_net_bind_service]}", ["CAP_NET_BIND_SERVICE"]),
      ("capabilities: {add: [ALL], drop: [CHOWN]}", Capability.allNames.filter { $0 != "CAP_CHOWN" }),
      ("capabilities: {add: [NET_ADMIN, CAP_SYS_TIME]}", defaults + ["CAP_NET_ADMIN", "CAP_SYS_TIME"]),
      ("capabilities: {add: [NET_RAW], drop: [NET_RAW]}", defaults.filter { $0 != "CAP_NET_RAW" }),
      ("capabilities: {drop: [CAP_NET_RAW, MKNOD]}", defaults.filter { $0 != "CAP_NET_RAW" && $0 != "CAP_MKNOD" }),
      ("privileged: true\ncapabilities: {drop: [ALL]}", Capability.allNames),
    ] as [(String, [String])])
  func addAndDrop(sc: String, expected: [String]) throws {
    let p = try Fixture.plan(Fixture.pod(containerSC: sc))
    let want = CapabilitySet(names: expected)
    #expect(p.process.capabilities.bounding == want)
    #expect(p.process.capabilities.permitted == want)
    #expect(p.process.capabilities.effective == want)
    #expect(p.process.capabilities.inheritable.isEmpty)
    #expect(p.process.capabilities.ambient.isEmpty)
  }

  @Test func rootKeepsBoundingSetAfterExecNonRootKeepsNothing() throws {
    let root = try Fixture.plan(Fixture.pod(containerSC: "runAsUser: 0"))
    #expect(root.process.capabilitiesAfterExec.effective == root.process.capabilities.bounding)
    #expect(root.process.capabilitiesAfterExec.permitted == root.process.capabilities.bounding)
    let user = try Fixture.plan(Fixture.pod(containerSC: "runAsUser: 1000\ncapabilities: {add: [NET_ADMIN]}"))
    #expect(user.process.capabilities.effective.contains(Capability(name: "NET_ADMIN")!))
    #expect(user.process.capabilitiesAfterExec.effective.isEmpty)
    #expect(user.process.capabilitiesAfterExec.permitted.isEmpty)
    #expect(user.process.capabilitiesAfterExec.bounding == user.process.capabilities.bounding)
    #expect(user.process.execCanRaise)
    let nnp = try Fixture.plan(Fixture.pod(containerSC: "runAsUser: 1000\nallowPrivilegeEscalation: false"))
    #expect(!nnp.process.execCanRaise)
  }

  @Test func unknownCapabilityNamesFieldAndPosition() throws {
    let yaml = Fixture.pod(containerSC: "capabilities:\n  add: [NET_ADMIN, BOGUS]")
    #expect {
      try Fixture.compile(yaml)
    } throws: { e in
      guard let e = e as? GarrisonCore.GarrisonError else { return false }
      return e.fieldPath?.description == "spec.containers[0].securityContext.capabilities.add[1]" && e.location?.line == 12
        && e.location?.column == 26
        && e.message.contains("BOGUS")
    }
  }
}

import GarrisonCore
