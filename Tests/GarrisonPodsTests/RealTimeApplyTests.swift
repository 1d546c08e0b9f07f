import Foundation
import GarrisonPods
import GarrisonSupervisor
import Testing

/// An operator's real-time scheduling policy does not reach the pod: `chrt -f 10 garrison apply --wait` starts the
/// pod (it used to stay `Init:CreateContainerError`: the container init inherited SCHED_FIFO and the cgroup v1
/// `cpu` controller, without a real-time budget, refused it with EINVAL), and the container runs under SCHED_OTHER.
@Suite(.serialized, .enabled(if: RealTimeApply.skipReason == nil, "\(RealTimeApply.skipReason ?? "")"))
struct RealTimeApplyTests {
  @Test(arguments: ["crun", "garrison-oci"])
  func aPodAppliedUnderSCHEDFIFORunsUnderTheNormalPolicy(runtime: String) throws {
    let path = runtime == "crun" ? Host.crun : Host.garrisonOCI
    try #require(path != nil, "\(runtime) is not built or installed")
    try withScratch { s in
      let file = s.dir + "/rt.yaml"
      try """
      apiVersion: v1
      kind: Pod
      metadata: {name: rt}
      spec:
        terminationGracePeriodSeconds: 0
        initContainers: [{name: init, command: ["/bin/sh", "-c", "cat /proc/1/stat"]}]
        containers: [{name: main, command: ["/bin/sh", "-c", "cat /proc/1/stat; sleep 1000"]}]
      """.write(toFile: file, atomically: true, encoding: .utf8)
      let r = try Spawn.run([
        "/usr/bin/chrt", "-f", "10", Host.garrison, "apply", "-f", file, "--rootfs", s.rootfs, "--runtime", path!,
        "--no-seccomp-default", "--network", "none", "--wait", "--timeout", "30", "--root", s.root,
      ])
      #expect(r.succeeded, "\(r.output)")
      for container in ["init", "main"] {
        // Running is reported once the container runs, maybe before its first line reached the log.
        var stat = s.log("rt", container)
        for _ in 0..<100 where stat.isEmpty {
          usleep(50_000)
          stat = s.log("rt", container)
        }
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        // Field 41 (`policy`) is the 39th after the command name; 0 is SCHED_OTHER.
        #expect(fields.count > 38 && fields[38] == "0", "\(container): \(stat)")
      }
    }
  }
}

/// Why `RealTimeApplyTests` cannot run here: the pod tests' own reasons, or no `chrt`, or no real-time budget.
enum RealTimeApply {
  static let skipReason: String? = {
    if let reason = Host.skipReason { return reason }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chrt") else { return "chrt (util-linux) is missing" }
    guard let r = try? Spawn.run(["/usr/bin/chrt", "-f", "10", "/bin/true"]), r.succeeded else {
      return "this cgroup has no real-time budget (chrt -f 10 true fails)"
    }
    return nil
  }()
}
