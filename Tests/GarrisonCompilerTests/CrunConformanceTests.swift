import Foundation
import GarrisonCore
import GarrisonLSMHost
import GarrisonOCI
import GarrisonPlan
import Testing
@testable import GarrisonCompiler

/// Runs compiled `config.json` files with Debian's crun on a busybox rootfs and reads `/proc/self/status`
/// inside the container: the kernel must hold exactly what the plan says.
@Suite(.serialized, .enabled(if: CrunHarness.available, "needs root, crun and busybox-static (scripts/setup.sh)"))
struct CrunConformanceTests {
  static let cases: [(String, String, String, Bool)] = [
    (
      "restricted", "runAsUser: 10001\nrunAsGroup: 10001\nsupplementalGroups: [20000]\nfsGroup: 30000",
      "allowPrivilegeEscalation: false\ncapabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\nreadOnlyRootFilesystem: true", true
    ),
    ("default-root", "", "", true),
    ("unconfined-root", "", "", false),
    ("root-added-caps", "", "capabilities: {add: [NET_ADMIN, SYS_TIME], drop: [MKNOD]}", true),
    ("nonroot-default-caps", "runAsUser: 1000", "", false),
  ]

  @Test(arguments: cases.indices)
  func kernelHoldsThePlan(index: Int) throws {
    let (name, podSC, containerSC, seccompDefault) = Self.cases[index]
    let harness = try CrunHarness(name: name)
    defer { harness.cleanUp() }
    let plan = try Fixture.plan(
      Fixture.pod(podSC: podSC, containerSC: containerSC), options: Fixture.options(seccompDefault: seccompDefault))
    let status = try harness.run(
      plan: plan, script: "cat /proc/self/status; echo ---; touch /tmp/probe && echo rootfs-writable || echo rootfs-readonly")
    let fields = CrunHarness.statusFields(status)
    let u = plan.process.user
    #expect(fields["Uid"] == Array(repeating: "\(u.uid)", count: 4).joined(separator: "\t"))
    #expect(fields["Gid"] == Array(repeating: "\(u.gid)", count: 4).joined(separator: "\t"))
    #expect(fields["Groups"]?.split(separator: " ").map(String.init) == u.supplementalGroups.map(String.init))
    let after = plan.process.capabilitiesAfterExec
    #expect(fields["CapEff"] == CrunHarness.hex(after.effective.mask), "\(name) CapEff")
    #expect(fields["CapPrm"] == CrunHarness.hex(after.permitted.mask), "\(name) CapPrm")
    #expect(fields["CapBnd"] == CrunHarness.hex(after.bounding.mask), "\(name) CapBnd")
    #expect(fields["CapInh"] == CrunHarness.hex(0))
    #expect(fields["CapAmb"] == CrunHarness.hex(0))
    #expect(fields["NoNewPrivs"] == (plan.process.noNewPrivileges ? "1" : "0"))
    #expect(fields["Seccomp"] == (plan.seccomp.policyJSON == nil ? "0" : "2"))
    #expect(status.contains(plan.filesystem.readOnlyRootFilesystem ? "rootfs-readonly" : "rootfs-writable"))
  }
}

/// A scratch OCI bundle under /var/tmp with a busybox rootfs, run by crun.
struct CrunHarness {
  static var available: Bool {
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/crun")
      && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
  }

  let dir: String
  let id: String

  init(name: String) throws {
    id = "garrison-test-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    dir = "/var/tmp/\(id)"
    let fm = FileManager.default
    for d in ["rootfs/bin", "rootfs/proc", "rootfs/sys", "rootfs/dev", "rootfs/tmp", "rootfs/etc"] {
      try fm.createDirectory(atPath: "\(dir)/\(d)", withIntermediateDirectories: true)
    }
    try fm.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: "\(dir)/rootfs/tmp")
    try fm.copyItem(atPath: "/bin/busybox", toPath: "\(dir)/rootfs/bin/busybox")
    for applet in ["sh", "cat", "touch", "echo", "id"] {
      try fm.createSymbolicLink(atPath: "\(dir)/rootfs/bin/\(applet)", withDestinationPath: "busybox")
    }
  }

  /// Writes the compiled config (with `script` as the process) and runs it; returns standard output.
  func run(plan: EnforcementPlan, script: String) throws -> String {
    var spec = try OCIConfigBuilder.build(plan, args: ["/bin/sh", "-c", script], host: .current)
    spec.linux?.cgroupsPath = nil  // crun picks its own cgroup; cgroup limits are tested with garrison-oci
    try CanonicalJSON.pretty(spec).write(to: URL(fileURLWithPath: "\(dir)/config.json"))
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/crun")
    p.arguments = ["--root", "\(dir)/state", "run", "--bundle", dir, id]
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      throw GarrisonError(.system, operation: "crun run", "crun exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self)
  }

  func cleanUp() {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/crun")
    p.arguments = ["--root", "\(dir)/state", "delete", "--force", id]
    p.standardError = FileHandle.nullDevice
    if (try? p.run()) != nil { p.waitUntilExit() }
    try? FileManager.default.removeItem(atPath: dir)
  }

  static func statusFields(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return out
  }

  static func hex(_ mask: UInt64) -> String {
    let s = String(mask, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }
}
