import GarrisonPlan
import Foundation
import GarrisonCore
import Testing
@testable import GarrisonLSM

@Suite struct SELinuxLabelTests {
  let field = FieldPath("spec.securityContext.seLinuxOptions")

  @Test func defaultsUsePodLevel() throws {
    let labels = try SELinuxLabels.resolve(nil, podUID: "0f1e2d3c-aaaa-bbbb-cccc-000000000001", field: field)
    let level = try SELinuxLevel.forPod(uid: "0f1e2d3c-aaaa-bbbb-cccc-000000000001")
    #expect(labels.process.description == "system_u:system_r:container_t:\(level)")
    #expect(labels.mount.description == "system_u:object_r:container_file_t:\(level)")
  }

  @Test func overrides() throws {
    let o = SELinuxOptions(user: "user_u", role: "user_r", type: "spc_t", level: "s0:c1,c2")
    let labels = try SELinuxLabels.resolve(o, podUID: "p", field: field)
    #expect(labels.process.description == "user_u:user_r:spc_t:s0:c1,c2")
    #expect(labels.mount.description == "user_u:object_r:container_file_t:s0:c1,c2")
    let typeOnly = try SELinuxLabels.resolve(SELinuxOptions(type: "container_init_t"), podUID: "p", field: field)
    #expect(typeOnly.process.type == "container_init_t" && typeOnly.process.user == "system_u")
  }

  @Test(arguments: [
    (SELinuxOptions(user: "a:b"), "user"), (SELinuxOptions(role: "sys r"), "role"), (SELinuxOptions(type: ""), "type"),
    (SELinuxOptions(type: "x\n"), "type"), (SELinuxOptions(level: "s0:c1:c2"), "level"), (SELinuxOptions(level: "s0 "), "level"),
  ])
  func invalidComponentsNameTheirField(options: SELinuxOptions, component: String) throws {
    do {
      _ = try SELinuxLabels.resolve(options, podUID: "p", field: field)
      Issue.record("accepted \(options)")
    } catch let e as GarrisonError {
      #expect(e.fieldPath == field / component, "\(e)")
    }
  }

  @Test(arguments: ["s0", "s0:c0", "s0:c0,c1023", "s0-s15:c0.c1023", "s1-s1", "s0:c1,c3.c7,c9", "s15:c5"])
  func validLevels(level: String) throws { try SELinuxLevel.validate(level) }

  @Test(arguments: [
    "", "s", "0", "c1", "s0:", "s0:c1024", "s0:c2,c1", "s0:c1,c1", "s0:c3.c1", "s2-s1", "s0-s1-s2",
    "s0:c1..c2", "s0:c1,", "S0", "s0:c-1", "s00000", "s0:C1",
  ])
  func invalidLevels(level: String) {
    #expect(throws: GarrisonError.self) { try SELinuxLevel.validate(level) }
  }

  @Test func podLevelsAreDeterministicAndWellFormed() throws {
    let uid = "6c1b2f7e-3c44-4f0e-9d0a-21f1d6a0b9c1"
    let a = try SELinuxLevel.forPod(uid: uid)
    #expect(a == (try SELinuxLevel.forPod(uid: uid)))
    try SELinuxLevel.validate(a)
    let cats = a.dropFirst(3).split(separator: ",").map { Int($0.dropFirst())! }
    #expect(cats.count == 2 && cats[0] < cats[1] && cats[1] < 1024)
  }

  @Test func podLevelsAreUniqueAcrossManyPods() throws {
    var inUse = Set<String>()
    var rawCollisions = 0
    for i in 0..<5000 {
      let uid = "pod-\(i)-\(i &* 2654435761 % 1000003)"
      if inUse.contains(try SELinuxLevel.forPod(uid: uid)) { rawCollisions += 1 }
      let level = try SELinuxLevel.forPod(uid: uid, avoiding: inUse)
      #expect(!inUse.contains(level))
      inUse.insert(level)
    }
    #expect(inUse.count == 5000)
    // Birthday bound: 5000²/2/523776 ≈ 24 expected raw collisions; far more would mean a biased hash.
    #expect(rawCollisions < 60, "raw collisions: \(rawCollisions)")
  }
}

@Suite struct SELinuxCodingTests {
  @Test func decodingValidates() throws {
    let good = #"{"user":"system_u","role":"system_r","type":"container_t","level":"s0:c1,c2"}"#
    #expect(try JSONDecoder().decode(SELinuxLabel.self, from: Data(good.utf8)).description == "system_u:system_r:container_t:s0:c1,c2")
    let bad = #"{"user":"system_u","role":"system_r","type":"container_t:s0","level":"s0"}"#
    #expect(throws: (any Error).self) { try JSONDecoder().decode(SELinuxLabel.self, from: Data(bad.utf8)) }
  }
}
