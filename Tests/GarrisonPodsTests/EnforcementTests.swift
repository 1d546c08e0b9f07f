import Foundation
import GarrisonPods
import Testing

/// The compiled plan is what the container gets: seccomp RuntimeDefault (garrison's default), dropped
/// capabilities and no_new_privs, read back from /proc/self/status inside the container.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct EnforcementTests {
  @Test func defaultSeccompAndSecurityContextReachTheContainer() throws {
    try withScratch { s in
      let file = s.dir + "/enf.yaml"
      try """
      apiVersion: v1
      kind: Pod
      metadata: {name: enf}
      spec:
        restartPolicy: Never
        containers:
        - name: main
          command: ["/bin/sh", "-c", "grep -E '^(Seccomp|NoNewPrivs|CapEff|CapBnd):' /proc/self/status"]
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      """.write(toFile: file, atomically: true, encoding: .utf8)
      // No --no-seccomp-default: an unset seccompProfile means RuntimeDefault.
      let r = try s.garrison(["apply", "-f", file, "--rootfs", s.rootfs, "--runtime", Host.crun!, "--network", "none"])
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("enf") { $0.status.phase.isTerminal }
      #expect(v.status.phase == .succeeded, "\(v.status.events)")
      let out = s.log("enf", "main")
      #expect(out.contains("Seccomp:\t2"), "\(out)")
      #expect(out.contains("NoNewPrivs:\t1"), "\(out)")
      #expect(out.contains("CapEff:\t0000000000000000") && out.contains("CapBnd:\t0000000000000000"), "\(out)")
    }
  }
}
