import Foundation
import GarrisonAudit
import GarrisonKernel
import GarrisonLSM
import GarrisonLSMHost
import GarrisonOCI
@testable import GarrisonPods
@testable import GarrisonSupervisor
import Testing

/// The pod runner loads Garrison's RuntimeDefault AppArmor profile before first use, only on an AppArmor
/// kernel, only when not already loaded, and records the load (the kernel side is proved in AppArmorVMTests).
struct DefaultAppArmorProfileTests {
  static let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Policies").path

  func record(profile: String?) -> PodRecord {
    let spec = RuntimeSpec(process: .init(args: ["sh"], apparmorProfile: profile), root: .init(path: "rootfs"))
    let c = ContainerRecord(
      name: "c", role: .app, image: "", spec: spec, rootfs: .init(lowerdirs: []), volumeMounts: [],
      planDigest: "", appArmorExplicit: false, seLinuxExplicit: false)
    return PodRecord(
      namespace: "ns", name: "p", uid: "u-1", restartPolicy: "Never", containers: [c], volumes: [],
      network: .init(mode: .none), namespaces: .init(hostNetwork: false, hostIPC: false, hostPID: false, sharePID: false),
      runtime: .init(path: "/bin/false", root: "/nonexistent"), backoff: .init(),
      terminationGracePeriodSeconds: 1, requests: .init(cpuMillis: 0, memoryBytes: 0), fsGroup: nil, hostname: "p")
  }

  @Test func loadsOnceOnAnAppArmorKernelAndAudits() throws {
    let dir = "/var/tmp/garrison-aa-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var enforced: Set<String> = []
    let audit = try PodAudit(root: dir)
    let expected = try AppArmorProfile.runtimeDefault(policyDirectory: Self.policies + "/apparmor")
    var loaded: [AppArmorProfile] = []
    let r = record(profile: expected.name)
    let name = try DefaultAppArmorProfile.ensureLoaded(
      for: r, policiesDirectory: Self.policies, host: HostLSM(appArmor: true, seLinux: nil), audit: audit,
      isEnforced: { enforced.contains($0) }, load: { loaded.append($0) })
    #expect(name == expected.name)
    #expect(loaded == [expected])
    let events = try AuditReader.readAll(directory: AuditPaths.directory(root: dir)).filter { $0.kind == .lsmProfileLoaded }
    #expect(events.count == 1)
    #expect(events.first?.event.details["sha256"]?.stringValue == expected.sha256)
    // Already enforced: nothing loaded, nothing recorded.
    enforced = [expected.name]
    loaded = []
    #expect(
      try DefaultAppArmorProfile.ensureLoaded(
        for: r, policiesDirectory: Self.policies,
        host: HostLSM(appArmor: true, seLinux: nil), audit: audit,
        isEnforced: { enforced.contains($0) }, load: { loaded.append($0) }) == nil)
    #expect(loaded.isEmpty)
  }

  @Test func nothingWithoutAppArmorOrWithoutTheDefaultProfile() throws {
    let dir = "/var/tmp/garrison-aa-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let audit = try PodAudit(root: dir)
    var calls = 0
    for (host, profile) in [(false, "garrison-default-v1"), (true, nil), (true, "localhost-profile")] {
      #expect(
        try DefaultAppArmorProfile.ensureLoaded(
          for: record(profile: profile), policiesDirectory: Self.policies, host: HostLSM(appArmor: host, seLinux: nil),
          audit: audit, isEnforced: { _ in false }, load: { _ in calls += 1 }) == nil)
    }
    #expect(calls == 0)
  }

  @Test func aStaleDefaultNameIsRefused() throws {
    let dir = "/var/tmp/garrison-aa-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let audit = try PodAudit(root: dir)
    #expect(throws: (any Error).self) {
      try DefaultAppArmorProfile.ensureLoaded(
        for: record(profile: "garrison-default-v999"), policiesDirectory: Self.policies,
        host: HostLSM(appArmor: true, seLinux: nil), audit: audit, isEnforced: { _ in false }, load: { _ in })
    }
  }

  /// The kernel's profile list (where the mode of a loaded profile comes from: libapparmor has no call for it).
  @Test func kernelProfileListDecoding() {
    let p = AppArmorLabel.profileList("garrison-default-v1 (enforce)\n/usr/bin/man (complain)\nodd name (x) (kill)\nbare\n")
    #expect(p == ["garrison-default-v1": "enforce", "/usr/bin/man": "complain", "odd name (x)": "kill"])
    #expect(AppArmorLabel.profileList("").isEmpty)
  }
}
