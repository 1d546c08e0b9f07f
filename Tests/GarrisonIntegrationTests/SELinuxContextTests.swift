import Foundation
import GarrisonCore
import GarrisonInitProtocol
import GarrisonOCI
import GarrisonRuntime
import GarrisonLSMHost
import Testing

/// The runtime's SELinux checks with the kernel's answers replaced: a label the loaded policy does not know is
/// refused before anything is created (exit 3, the field named), a known mount label becomes `context=` on
/// every tmpfs the init mounts. The real kernel's answers are proved in scripts/selinux-vm.sh (SELinuxVMTests).
struct SELinuxContextTests {
  static let process = "system_u:system_r:container_t:s0:c1,c2"
  static let files = "system_u:object_r:container_file_t:s0:c1,c2"

  func build(known: Set<String>, _ mutate: (inout RuntimeSpec) -> Void) throws -> InitSpec {
    let dir = "/var/tmp/garrison-unit-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir + "/rootfs", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var spec = DefaultSpec.make(args: ["/bin/true"])
    mutate(&spec)
    var builder = try InitSpecBuilder(seccomp: OCISeccompCompiler(), host: HostLSM(appArmor: false, seLinux: .enforcing))
    builder.seLinuxContextIsValid = { known.contains($0) }
    return try builder.build(spec, bundle: dir, noPivot: false)
  }

  @Test func knownLabelsPassAndTmpfsMountsGetTheMountLabel() throws {
    let s = try build(known: [Self.process, Self.files]) {
      $0.process?.selinuxLabel = Self.process
      $0.linux?.mountLabel = Self.files
    }
    #expect(s.selinuxLabel == Self.process)
    let tmpfs = s.mounts.filter { $0.type == "tmpfs" }
    #expect(!tmpfs.isEmpty)
    for m in tmpfs { #expect(m.data.contains("context=\"\(Self.files)\""), "\(m.destination): \(m.data)") }
    for m in s.mounts where m.type != "tmpfs" { #expect(!m.data.contains("context="), "\(m.destination): \(m.data)") }
  }

  @Test func unknownProcessLabelIsRefusedNamingTheField() throws {
    do {
      _ = try build(known: [Self.files]) { $0.process?.selinuxLabel = "system_u:system_r:nosuch_t:s0:c1,c2" }
      Issue.record("an unknown label was accepted")
    } catch let e as GarrisonError {
      #expect(e.code == .unenforceable && e.fieldPath?.description == "process.selinuxLabel", "\(e)")
      #expect(e.exitCode == ExitCodes.refused)
      #expect(e.message.contains("nosuch_t"))
    }
  }

  @Test func unknownMountLabelIsRefusedNamingTheField() throws {
    do {
      _ = try build(known: [Self.process]) { $0.linux?.mountLabel = "system_u:object_r:nosuch_file_t:s0" }
      Issue.record("an unknown mount label was accepted")
    } catch let e as GarrisonError {
      #expect(e.code == .unenforceable && e.fieldPath?.description == "linux.mountLabel", "\(e)")
    }
  }

  /// A quote would end the `context="…"` mount option early: refused even if the check said yes.
  @Test func mountLabelThatWouldBreakTheMountOptionIsRefused() throws {
    let hostile = "system_u:object_r:container_file_t:s0\",size=1"
    #expect(throws: GarrisonError.self) { try build(known: [hostile]) { $0.linux?.mountLabel = hostile } }
  }
}
