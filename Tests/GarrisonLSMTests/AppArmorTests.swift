import Foundation
import GarrisonCore
import Testing
@testable import GarrisonLSM

enum LSMFixtures {
  static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
  static let apparmorDirectory = repoRoot + "/Policies/apparmor"
  static let field = FieldPath("spec.containers[0].securityContext.appArmorProfile")
}

@Suite struct AppArmorProfileTests {
  @Test func runtimeDefaultRendersWithVersionedName() throws {
    let template = try AppArmorTemplate.runtimeDefault(policyDirectory: LSMFixtures.apparmorDirectory)
    let profile = try AppArmorProfile.runtimeDefault(template: template)
    #expect(profile.name == "garrison-default-v\(template.version)")
    #expect(profile.text.contains("profile \(profile.name) flags="))
    #expect(profile.text.contains("peer=\(profile.name),"))
    #expect(!profile.text.contains("{{"))
    #expect(profile.text.contains("deny mount,"))
    #expect(profile.text.contains("deny @{PROC}/sys/** w,"))
  }

  @Test(arguments: ["", "has space", "semi;colon", "-leading", "a/b", String(repeating: "x", count: 201)])
  func badGeneratedNamesAreRejected(name: String) throws {
    #expect(throws: GarrisonError.self) {
      try AppArmorProfile.runtimeDefault(name: name, policyDirectory: LSMFixtures.apparmorDirectory)
    }
  }

  @Test func templateWithoutVersionOrPlaceholderIsRejected() {
    #expect(throws: GarrisonError.self) { try AppArmorTemplate(text: "profile {{name}} {}") }
    #expect(throws: GarrisonError.self) { try AppArmorTemplate(text: "# garrison-profile-version: 1\nprofile x {}") }
  }

  // The parser is installed by scripts/setup.sh (Debian package `apparmor`); this kernel has no AppArmor,
  // which `-Q -K` does not need (see AppArmorParser). Skipped with this reason only if the binary is absent.
  @Test(
    .enabled(if: AppArmorParser.isAvailable(), "apparmor_parser not installed (scripts/setup.sh installs it)"),
    arguments: [nil, "garrison-default-test", "pod-1234.c0"])
  func generatedProfilesPassTheParser(name: String?) throws {
    let profile = try AppArmorProfile.runtimeDefault(name: name, policyDirectory: LSMFixtures.apparmorDirectory)
    try AppArmorParser.check(profile.text)
  }

  @Test(
    .enabled(if: AppArmorParser.isAvailable(), "apparmor_parser not installed (scripts/setup.sh installs it)"),
    arguments: [
      ("deny mount,", "deny mount"),  // missing comma
      ("deny @{PROC}/sys/** w,", "deny @{PROC}/sys/** wz,"),  // bad permission
      ("#include <abstractions/base>", "#include <abstractions/garrison-does-not-exist>"),
      ("signal (send, receive) peer={{name}},", "signal (send, explode) peer={{name}},"),
    ])
  func corruptedTemplatesFailTheParser(original: String, corrupted: String) throws {
    let template = try AppArmorTemplate.runtimeDefault(policyDirectory: LSMFixtures.apparmorDirectory)
    #expect(template.text.contains(original))
    let broken = try AppArmorTemplate(text: template.text.replacingOccurrences(of: original, with: corrupted))
    let profile = try AppArmorProfile.runtimeDefault(template: broken)
    #expect(throws: GarrisonError.self) { try AppArmorParser.check(profile.text) }
  }
}

@Suite struct AppArmorSelectionTests {
  let profile = AppArmorProfile(name: "garrison-default-v1", text: "profile garrison-default-v1 {}")

  @Test func fieldValues() throws {
    let f = LSMFixtures.field
    #expect(
      try AppArmorSelection.fromField(type: "RuntimeDefault", localhostProfile: nil, runtimeDefault: profile, field: f)
        == .runtimeDefault(profileName: profile.name, profileText: profile.text))
    #expect(try AppArmorSelection.fromField(type: "Unconfined", localhostProfile: nil, runtimeDefault: profile, field: f) == .unconfined)
    #expect(
      try AppArmorSelection.fromField(type: "Localhost", localhostProfile: "k8s-nginx", runtimeDefault: profile, field: f)
        == .localhost(name: "k8s-nginx"))
  }

  @Test(
    arguments: [
      ("Localhost", nil, "localhostProfile"), ("Localhost", "", "localhostProfile"), ("Localhost", "a b", "localhostProfile"),
      ("Localhost", "unconfined", "localhostProfile"), ("RuntimeDefault", "x", "localhostProfile"),
      ("runtimedefault", nil, "type"), ("", nil, "type"),
    ] as [(String, String?, String)])
  func badFieldValues(type: String, localhost: String?, failingField: String) throws {
    do {
      _ = try AppArmorSelection.fromField(type: type, localhostProfile: localhost, runtimeDefault: profile, field: LSMFixtures.field)
      Issue.record("accepted \(type) \(String(describing: localhost))")
    } catch let e as GarrisonError {
      #expect(e.fieldPath == LSMFixtures.field / failingField)
    }
  }

  @Test func annotationValues() throws {
    let f = FieldPath("metadata.annotations")
    #expect(try AppArmorSelection.fromAnnotation("runtime/default", runtimeDefault: profile, field: f).profileName == profile.name)
    #expect(try AppArmorSelection.fromAnnotation("unconfined", runtimeDefault: profile, field: f) == .unconfined)
    #expect(try AppArmorSelection.fromAnnotation("localhost/my-prof", runtimeDefault: profile, field: f) == .localhost(name: "my-prof"))
    for bad in ["docker-default", "localhost/", "localhost/a\tb", "Runtime/Default", ""] {
      #expect(throws: GarrisonError.self, "\(bad)") {
        try AppArmorSelection.fromAnnotation(bad, runtimeDefault: profile, field: f)
      }
    }
  }
}
