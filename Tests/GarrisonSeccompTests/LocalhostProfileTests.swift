import Foundation
import GarrisonCore
import Testing
@testable import GarrisonSeccomp

@Suite struct LocalhostProfileTests {
  let profileJSON = #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}"#

  func withRoot(_ body: (String, SeccompProfileLocations) throws -> Void) throws {
    let dir = try Fixtures.scratchDirectory("localhost")
    defer { try? FileManager.default.removeItem(atPath: dir) }  // scratch dir cleanup
    try FileManager.default.createDirectory(atPath: dir + "/root/profiles", withIntermediateDirectories: true)
    try profileJSON.write(toFile: dir + "/root/profiles/app.json", atomically: true, encoding: .utf8)
    try profileJSON.write(toFile: dir + "/outside.json", atomically: true, encoding: .utf8)
    try body(dir, SeccompProfileLocations(policyDirectory: Fixtures.policyDirectory, localhostRoot: dir + "/root"))
  }

  @Test func loadsRelativeProfile() throws {
    try withRoot { _, loc in
      let p = try #require(try SeccompProfile.load(.localhost("profiles/app.json"), from: loc))
      #expect(p.syscalls[0].names == ["read", "write", "exit_group"])
    }
  }

  @Test func symlinkInsideRootIsFollowed() throws {
    try withRoot { dir, loc in
      try FileManager.default.createSymbolicLink(atPath: dir + "/root/alias.json", withDestinationPath: "profiles/app.json")
      #expect(try SeccompProfile.load(.localhost("alias.json"), from: loc) != nil)
    }
  }

  @Test func escapingPathsAreRefused() throws {
    try withRoot { dir, loc in
      try FileManager.default.createSymbolicLink(atPath: dir + "/root/escape.json", withDestinationPath: dir + "/outside.json")
      try FileManager.default.createSymbolicLink(atPath: dir + "/root/up", withDestinationPath: "..")
      for path in ["/etc/passwd", "../outside.json", "profiles/../../outside.json", "escape.json", "up/outside.json", "", "missing.json"] {
        #expect(throws: GarrisonError.self, "\(path)") { try SeccompProfile.load(.localhost(path), from: loc) }
      }
    }
  }

  @Test func runtimeDefaultAndUnconfined() throws {
    let loc = SeccompProfileLocations(policyDirectory: Fixtures.policyDirectory, localhostRoot: "/nonexistent")
    #expect(try SeccompProfile.load(.runtimeDefault, from: loc)?.garrisonProfileVersion == "1.0.0")
    #expect(try SeccompProfile.load(.unconfined, from: loc) == nil)
  }
}

@Suite struct SeccompSelectionTests {
  let field = FieldPath("spec.securityContext.seccompProfile")

  @Test func fieldAndAnnotationValues() throws {
    #expect(try SeccompSelection.fromField(type: "RuntimeDefault", localhostProfile: nil, field: field) == .runtimeDefault)
    #expect(try SeccompSelection.fromField(type: "Unconfined", localhostProfile: nil, field: field) == .unconfined)
    #expect(try SeccompSelection.fromField(type: "Localhost", localhostProfile: "a/b.json", field: field) == .localhost("a/b.json"))
    let ann = FieldPath("metadata.annotations")
    #expect(try SeccompSelection.fromAnnotation("runtime/default", field: ann) == .runtimeDefault)
    #expect(try SeccompSelection.fromAnnotation("docker/default", field: ann) == .runtimeDefault)
    #expect(try SeccompSelection.fromAnnotation("unconfined", field: ann) == .unconfined)
    #expect(try SeccompSelection.fromAnnotation("localhost/x.json", field: ann) == .localhost("x.json"))
  }

  @Test(
    arguments: [
      ("Localhost", nil, "localhostProfile"), ("Localhost", "/abs.json", "localhostProfile"),
      ("Localhost", "../x.json", "localhostProfile"), ("RuntimeDefault", "x.json", "localhostProfile"),
      ("Default", nil, "type"),
    ] as [(String, String?, String)])
  func badFieldValues(type: String, localhost: String?, failing: String) throws {
    do {
      _ = try SeccompSelection.fromField(type: type, localhostProfile: localhost, field: field)
      Issue.record("accepted")
    } catch let e as GarrisonError {
      #expect(e.fieldPath == field / failing)
    }
  }

  @Test func badAnnotations() {
    for bad in ["localhost//etc/x", "localhost/../x", "runtime/Default", "", "localhost/"] {
      #expect(throws: GarrisonError.self, "\(bad)") { try SeccompSelection.fromAnnotation(bad, field: FieldPath("a")) }
    }
  }
}
