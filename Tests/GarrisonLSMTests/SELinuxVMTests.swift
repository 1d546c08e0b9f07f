import Foundation
import Testing

/// Proves SELinux enforcement under a real SELinux kernel (this host's kernel has none): scripts/selinux-vm.sh
/// boots Debian's kernel with `qemu-system-x86_64 -accel tcg` and `security=selinux`, loads
/// selinux-policy-default, installs Garrison's module with `garrison selinux load` and runs containers with the
/// debug-built garrison-oci/garrison-init, directly and as pods through `garrison apply`.
@Suite(.serialized) struct SELinuxVMTests {
  static let script = LSMFixtures.repoRoot + "/scripts/selinux-vm.sh"
  /// The checks scripts/selinux-vm.sh runs inside the VM; each must print a PASS line.
  static let checks = [
    "selinux-enforcing", "host-probe", "module-loaded", "process-label", "tmpfs-mount-label", "mcs-denial", "unknown-label-refused",
    "pod-label", "emptydir-labelled", "hostpath-isolation", "privileged-spc", "lint-spc",
  ]

  /// Why the VM cannot be booted here (the AppArmor VM's reasons plus the SELinux userland), or nil.
  static var skipReason: String? {
    if let reason = AppArmorVM.skipReason { return reason }
    for tool in ["/usr/sbin/semodule", "/usr/sbin/load_policy", "/usr/sbin/setenforce"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      return "\(tool) missing (policycoreutils, selinux-utils; scripts/setup.sh)"
    }
    if let kernel = AppArmorVM.kernel {
      let version = String(kernel.dropFirst("/boot/vmlinuz-".count))
      let overlay = "/lib/modules/\(version)/kernel/fs/overlayfs/overlay.ko"
      if !FileManager.default.fileExists(atPath: overlay) { return "\(overlay) missing (pods' overlays; scripts/setup.sh)" }
    }
    if !FileManager.default.fileExists(atPath: "/var/lib/selinux/default/active/modules/100/base") {
      return "no /var/lib/selinux/default policy store (selinux-policy-default; scripts/setup.sh)"
    }
    return nil
  }

  @Test(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")), .timeLimit(.minutes(6)))
  func garrisonEnforcesSELinuxInAVM() throws {
    let scratch = "/var/tmp/garrison-sevm-test-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: scratch) }

    let run = try AppArmorVM.run(Self.script, scratch: scratch)
    let (text, lines) = (run.text, run.lines)

    #expect(run.status == 0, "scripts/selinux-vm.sh failed:\n\(text)")
    for check in Self.checks {
      #expect(lines.contains { $0.hasPrefix("GARRISON-VM: PASS \(check) ") }, "no PASS line for \(check)")
    }
    #expect(!lines.contains { $0.hasPrefix("GARRISON-VM: FAIL") })
    #expect(
      lines.contains(
        "GARRISON-VM: PASS process-label LABEL=system_u:system_r:container_t:s0:c1,c2; "
          + "enforcement.readback allowed with lsm_label=system_u:system_r:container_t:s0:c1,c2 lsm_mode=enforcing"))
    #expect(lines.contains { $0.hasPrefix("GARRISON-VM: PASS mcs-denial SECRET=denied") && $0.contains("Permission denied") })
  }
}
