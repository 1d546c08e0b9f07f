import Foundation
import GarrisonLSM
import GarrisonTestSupport
import Testing

/// What the AppArmor VM test needs on the host, and why it cannot run when something is absent.
enum AppArmorVM {
  static let script = LSMFixtures.repoRoot + "/scripts/apparmor-vm.sh"
  static let binaries = BuiltProducts.directory
  /// The checks scripts/apparmor-vm.sh runs inside the VM; each must print a PASS line.
  static let checks = [
    "apparmor-enabled", "host-probe", "profile-loaded", "garrison-load-audited", "cgroup-v2-limits", "confined-label",
    "confined-denial", "unconfined-control", "explicit-unconfined", "attestation", "exec-readback", "missing-profile-refused",
    "presence-via-library", "missing-profile-refused-by-init", "missing-profile-clean",
  ]

  static var qemu: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/qemu-system-x86_64" }
      .first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  static var kernel: String? {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
    return names.filter { $0.hasPrefix("vmlinuz-") }.sorted().last.map { "/boot/" + $0 }
  }

  /// Why the VM cannot be booted here, or nil when it can.
  static var skipReason: String? {
    if getuid() != 0 { return "needs root to build the initramfs (mknod /dev/console), uid \(getuid())" }
    if qemu == nil { return "qemu-system-x86_64 not on PATH (Debian package qemu-system-x86; scripts/setup.sh)" }
    if kernel == nil { return "no /boot/vmlinuz-* (Debian package linux-image-amd64; scripts/setup.sh)" }
    for product in ["garrison-oci", "garrison-init", "garrison"]
    where !FileManager.default.isExecutableFile(atPath: "\(binaries)/\(product)") {
      return "\(binaries)/\(product) not built (swift build --product \(product))"
    }
    return nil
  }

  /// Whether the test runs (its trait reports the reason when it does not).
  static var canRun: Bool { skipReason == nil }

  /// What one VM script run printed (stdout, then stderr) and how it exited.
  struct Run {
    var status: Int32
    var text: String
    var lines: [String]
  }

  /// Runs an LSM VM script (apparmor-vm.sh, selinux-vm.sh) with this build's binaries, the kernel found here and
  /// the console log in `scratch`; prints its PASS/FAIL lines and how long it took.
  static func run(_ script: String, scratch: String, env extra: [String: String] = [:]) throws -> Run {
    var env = ProcessInfo.processInfo.environment
    env["BIN"] = binaries
    env["LOG"] = scratch + "/console.txt"
    env["KERNEL"] = kernel
    env.merge(extra) { $1 }
    let started = Date()
    let result = try TestProcess.run("/bin/bash", [script], env: env)
    let lines = result.output.split(separator: "\n").map(String.init)
    for line in lines where line.hasPrefix("GARRISON-VM: PASS") || line.hasPrefix("GARRISON-VM: FAIL") {
      print(line)
    }
    print("\((script as NSString).lastPathComponent) exited \(result.status) after \(Int(Date().timeIntervalSince(started))) s")
    return Run(status: result.status, text: result.output, lines: lines)
  }
}

/// Proves AppArmor enforcement under a real AppArmor kernel (this host's kernel has none): boots Debian's kernel
/// with `qemu-system-x86_64 -accel tcg`, loads Garrison's RuntimeDefault profile rendered here by
/// `AppArmorProfile.runtimeDefault`, and runs busybox containers with the debug-built garrison-oci/garrison-init.
/// Takes about a minute (TCG); the script's own timeout is 300 s.
@Suite(.serialized) struct AppArmorVMTests {
  @Test(
    .enabled(if: AppArmorVM.canRun, Comment(rawValue: AppArmorVM.skipReason ?? "")),
    .timeLimit(.minutes(6)))
  func garrisonOCIEnforcesAppArmorInAVM() throws {
    let scratch = "/var/tmp/garrison-aavm-test-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: scratch) }  // scratch only; a leftover is harmless

    let profile = try AppArmorProfile.runtimeDefault(policyDirectory: LSMFixtures.apparmorDirectory)
    try profile.text.write(toFile: scratch + "/profile", atomically: true, encoding: .utf8)

    let run = try AppArmorVM.run(AppArmorVM.script, scratch: scratch, env: ["PROFILE": scratch + "/profile"])
    let (text, lines) = (run.text, run.lines)

    #expect(run.status == 0, "scripts/apparmor-vm.sh failed:\n\(text)")
    for check in AppArmorVM.checks {
      #expect(lines.contains { $0.hasPrefix("GARRISON-VM: PASS \(check) ") }, "no PASS line for \(check)")
    }
    #expect(!lines.contains { $0.hasPrefix("GARRISON-VM: FAIL") })
    // The label the container read is the profile Garrison rendered, in enforce mode.
    #expect(lines.contains("GARRISON-VM: PASS confined-label LABEL=\(profile.name) (enforce)"))
    #expect(
      lines.contains {
        $0.hasPrefix("GARRISON-VM: PASS confined-denial KALLSYMS=denied") && $0.contains("Permission denied")
      })
  }
}
