import Foundation
import GarrisonCore
import GarrisonInitProtocol
import GarrisonLSMHost
import GarrisonOCI
import GarrisonRuntime
import Testing

/// garrison-oci's AppArmor decisions before anything is created, with the library's answers replaced: a profile
/// the kernel does not hold (libapparmor's query says ENOENT) is refused with exit 3 naming the field; one it
/// cannot ask about (no securityfs) is left to the init's `aa_change_onexec`. The real kernel's answers are proved
/// in scripts/apparmor-vm.sh (AppArmorVMTests).
struct AppArmorPresenceTests {
  func build(host: HostLSM, loaded: Bool?, profile: String) throws -> InitSpec {
    let dir = "/var/tmp/garrison-unit-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir + "/rootfs", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var spec = DefaultSpec.make(args: ["/bin/true"])
    spec.process?.apparmorProfile = profile
    var builder = try InitSpecBuilder(seccomp: OCISeccompCompiler(), host: host)
    builder.appArmorProfileIsLoaded = { _ in loaded }
    return try builder.build(spec, bundle: dir, noPivot: false)
  }

  static let appArmorHost = HostLSM(appArmor: true, seLinux: nil)

  @Test func aLoadedProfileIsKeptForTheInit() throws {
    #expect(try build(host: Self.appArmorHost, loaded: true, profile: "garrison-default-v1").apparmorProfile == "garrison-default-v1")
  }

  @Test func anAbsentProfileIsRefusedNamingTheField() throws {
    do {
      _ = try build(host: Self.appArmorHost, loaded: false, profile: "not-loaded")
      Issue.record("an absent profile was accepted")
    } catch let e as GarrisonError {
      #expect(e.code == .unenforceable && e.fieldPath?.description == "process.apparmorProfile", "\(e)")
      #expect(e.description.contains("not-loaded is not loaded in the kernel (aa_query_label"), "\(e)")
    }
  }

  @Test func aProfileTheLibraryCannotAskAboutIsLeftToTheInit() throws {
    #expect(try build(host: Self.appArmorHost, loaded: nil, profile: "maybe").apparmorProfile == "maybe")
  }

  @Test func withoutAppArmorOnlyUnconfinedPasses() throws {
    #expect(try build(host: .none, loaded: true, profile: "unconfined").apparmorProfile == nil)
    #expect(throws: GarrisonError.self) { try build(host: .none, loaded: true, profile: "garrison-default-v1") }
  }

  @Test func aNULInTheNameIsInvalid() throws {
    #expect(throws: GarrisonError.self) { try build(host: Self.appArmorHost, loaded: true, profile: "a\u{0}b") }
  }
}
