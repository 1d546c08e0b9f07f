import Foundation
import GarrisonCore
import GarrisonLSM
import GarrisonLSMHost
import Testing

extension LSMFixtures {
  static let selinuxDirectory = repoRoot + "/Policies/selinux"
}

/// Garrison's SELinux policy module: rendering and versioning, the loaded-policy check, and what `semodule`
/// accepts (compiled against Debian's policy store in a scratch root when the host has one).
@Suite struct SELinuxPolicyModuleTests {
  @Test func rendersWithVersionedNameAndMarker() throws {
    let module = try SELinuxPolicyModule.load(policyDirectory: LSMFixtures.selinuxDirectory)
    #expect(module.name == "garrison-selinux-v\(module.version)")
    #expect(module.markerType == "garrison_selinux_v\(module.version)_t")
    #expect(module.text.contains("(type \(module.markerType))"))
    #expect(!module.text.contains("{{"))
    for type in ["container_t", "spc_t", "container_file_t", "container_ro_file_t"] {
      #expect(module.text.contains("(type \(type))"), "\(type) is not declared")
    }
    // The MCS separation: container_t is one of refpolicy's MCS-constrained types.
    #expect(module.text.contains("(typeattributeset mcs_constrained_type (container_t))"))
    #expect(module.sha256.count == 64)
  }

  @Test func templateWithoutVersionOrMarkerIsRejected() {
    #expect(throws: GarrisonError.self) { try SELinuxPolicyModule(template: "(type {{marker}})") }
    #expect(throws: GarrisonError.self) { try SELinuxPolicyModule(template: "; garrison-selinux-version: 1\n(type x)") }
    #expect(throws: GarrisonError.self) {
      try SELinuxPolicyModule(template: "; garrison-selinux-version: 1; rm\n(type {{marker}})")
    }
    #expect(throws: GarrisonError.self) {
      try SELinuxPolicyModule(template: "; garrison-selinux-version: 1\n(type {{marker}}) {{other}}")
    }
  }

  @Test func loadedMeansEveryTypeAndTheMarkerAreValid() throws {
    let module = try SELinuxPolicyModule.load(policyDirectory: LSMFixtures.selinuxDirectory)
    #expect(SELinuxModuleLoader.isLoaded(module, isValid: { _ in true }))
    #expect(!SELinuxModuleLoader.isLoaded(module, isValid: { $0 != module.markerContext }))  // an older version
    #expect(!SELinuxModuleLoader.isLoaded(module, isValid: { !$0.contains("spc_t") }))
  }

  static var semoduleSkipReason: String? {
    if getuid() != 0 { return "semodule -p needs root" }
    if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/semodule") { return "no /usr/sbin/semodule (policycoreutils)" }
    if !FileManager.default.fileExists(atPath: "/var/lib/selinux/default/active/modules/100/base") {
      return "no Debian policy store /var/lib/selinux/default (selinux-policy-default)"
    }
    return nil
  }

  /// semodule compiles the module against selinux-policy-default's store: a copy under /var/tmp (`-p`), so the
  /// host's own store is never touched. Nothing is loaded (this host's kernel has no SELinux).
  @Test(.enabled(if: semoduleSkipReason == nil, Comment(rawValue: semoduleSkipReason ?? "")), .timeLimit(.minutes(10)))
  func semoduleCompilesTheModuleAgainstDebiansPolicy() throws {
    let module = try SELinuxPolicyModule.load(policyDirectory: LSMFixtures.selinuxDirectory)
    let scratch = "/var/tmp/garrison-semodule-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    for dir in ["/var/lib", "/etc"] {
      try FileManager.default.createDirectory(atPath: scratch + dir, withIntermediateDirectories: true)
    }
    try FileManager.default.copyItem(atPath: "/var/lib/selinux", toPath: scratch + "/var/lib/selinux")
    try FileManager.default.copyItem(atPath: "/etc/selinux", toPath: scratch + "/etc/selinux")
    let file = scratch + "/\(module.name).cil"
    try module.text.write(toFile: file, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/sbin/semodule")
    p.arguments = ["-p", scratch, "-i", file]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let diagnostics = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "semodule -i rejected the module: \(diagnostics)")
    let listed = scratch + "/var/lib/selinux/default/active/modules/400/\(module.name)"
    #expect(FileManager.default.fileExists(atPath: listed), "\(listed) missing")
  }
}

/// Which files get the pod's label: the pod's own volumes and writable layer, never hostPath.
@Suite struct SELinuxRelabelTests {
  static let label = "system_u:object_r:container_file_t:s0:c1,c2"

  @Test(arguments: ["emptyDir", "configMap", "secret"])
  func podOwnedVolumesGetTheMountLabel(kind: String) {
    #expect(SELinuxRelabel.label(forVolumeKind: kind, mountLabel: Self.label) == Self.label)
  }

  @Test func hostPathIsNeverRelabelled() {
    #expect(SELinuxRelabel.label(forVolumeKind: "hostPath", mountLabel: Self.label) == nil)
  }

  /// Privileged containers (spc_t) and hosts without SELinux have no mount label: nothing is relabelled.
  @Test func noMountLabelNoRelabel() {
    #expect(SELinuxRelabel.label(forVolumeKind: "emptyDir", mountLabel: nil) == nil)
    #expect(SELinuxRelabel.label(forVolumeKind: "emptyDir", mountLabel: "") == nil)
    #expect(SELinuxRelabel.contextOption(nil) == nil)
  }

  @Test func writableLayerUsesTheContextMountOption() {
    #expect(SELinuxRelabel.contextOption(Self.label) == "context=\"\(Self.label)\"")
    #expect(SELinuxRelabel.contextOption("a\",lowerdir=/") == nil)
  }

  @Test func privilegedContainersRunAsSpcT() {
    #expect(SELinuxLabels.privilegedProcess.description == "system_u:system_r:spc_t:s0")
  }
}
