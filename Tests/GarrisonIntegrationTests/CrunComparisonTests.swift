import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// The same bundle under crun and garrison-oci: Garrison is never weaker. Every probe that crun denies must
/// be denied by Garrison, and Garrison's capability sets are never larger.
@Suite(.serialized) struct CrunComparisonTests {
  static let crun = "/usr/bin/crun"

  /// Runs crun; on this hybrid host crun needs a v1 hugetlb hierarchy, mounted here only when crun fails
  /// for exactly that reason.
  func runCrun(_ b: Harness.Bundle, id: String) throws -> TestProcess.Result {
    var r = try TestProcess.run(Self.crun, ["--root", b.stateRoot + "-crun", "run", "--bundle", b.dir, id])
    if r.status != 0 && r.stderr.contains("hugetlb") {
      print("crun failed for lack of the hugetlb controller; mounting it at /sys/fs/cgroup/hugetlb (see DESIGN.md)")
      try FileManager.default.createDirectory(atPath: "/sys/fs/cgroup/hugetlb", withIntermediateDirectories: true)
      _ = try TestProcess.run("/bin/mount", ["-t", "cgroup", "-o", "hugetlb", "cgroup", "/sys/fs/cgroup/hugetlb"])
      r = try TestProcess.run(Self.crun, ["--root", b.stateRoot + "-crun", "run", "--bundle", b.dir, id])
    }
    _ = try? TestProcess.run(Self.crun, ["--root", b.stateRoot + "-crun", "delete", "--force", id])
    try? FileManager.default.removeItem(atPath: b.stateRoot + "-crun")
    return r
  }

  @Test(
    .enabled(if: FileManager.default.isExecutableFile(atPath: CrunComparisonTests.crun), "crun is not installed"), Harness.containers,
    arguments: ["default", "restricted"]) func garrisonIsNeverWeakerThanCrun(_ profile: String) throws
  {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    let script =
      "grep -E '^(Uid|Gid|Groups|Cap...|NoNewPrivs|Seccomp|SigIgn|SigBlk):' /proc/self/status\n"
      + ContainerConfinementTests.probeScript(ContainerConfinementTests.deniedProbes)
    var spec =
      profile == "default"
      ? DefaultSpec.make(args: ["/bin/sh", "-c", script]) : RuntimeSpecFixtures.restricted(["/bin/sh", "-c", script])
    spec.ociVersion = "1.0.2"  // crun 1.8.1 rejects newer versions
    try b.write(spec)
    let crunResult = try runCrun(b, id: "cmp-crun-\(profile)")
    #expect(crunResult.status == 0, "crun: \(crunResult.stderr)")
    let g = try b.run(spec)
    #expect(g.status == 0, "garrison: \(g.stderr)")
    let crunProbes = ContainerConfinementTests.parse(crunResult.stdout)
    let ourProbes = ContainerConfinementTests.parse(g.stdout)
    for (name, _) in ContainerConfinementTests.deniedProbes where (crunProbes[name] ?? 0) != 0 {
      #expect((ourProbes[name] ?? 0) != 0, "\(name): denied by crun but allowed by garrison")
    }
    for key in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
      let theirs = UInt64(Harness.field(crunResult.stdout, key) ?? "", radix: 16)
      let ours = UInt64(Harness.field(g.stdout, key) ?? "", radix: 16)
      #expect(
        theirs != nil && ours != nil && ours! & ~theirs! == 0,
        "\(key): garrison \(String(describing: ours)) crun \(String(describing: theirs))")
    }
    for key in ["Uid", "Gid", "Groups"] {
      #expect(Harness.field(g.stdout, key) == Harness.field(crunResult.stdout, key), "\(key) differs")
    }
    // crun passes on dispositions its caller ignored; garrison-init resets every signal before execve.
    #expect(Harness.field(g.stdout, "SigIgn") == "0000000000000000")
    #expect(Harness.field(g.stdout, "SigBlk") == "0000000000000000")
    #expect(Int(Harness.field(g.stdout, "NoNewPrivs") ?? "") ?? 0 >= Int(Harness.field(crunResult.stdout, "NoNewPrivs") ?? "") ?? 0)
    #expect(Int(Harness.field(g.stdout, "Seccomp") ?? "") ?? 0 >= Int(Harness.field(crunResult.stdout, "Seccomp") ?? "") ?? 0)
  }
}
