import Foundation
import GarrisonPods
import Testing

/// The same pods under every runc-compatible runtime the runner drives: crun and garrison-oci.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct RuntimeMatrixTests {
  @Test func podLifecycleUnderCrun() throws { try podLifecycleUnderRuntime(try #require(Host.crun)) }

  @Test(.enabled(if: Host.garrisonOCI != nil, "garrison-oci and garrison-init are not built (swift build)"))
  func podLifecycleUnderGarrisonOCI() throws { try podLifecycleUnderRuntime(try #require(Host.garrisonOCI)) }

  func podLifecycleUnderRuntime(_ runtime: String) throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: matrix}
        spec:
          restartPolicy: Never
          initContainers:
          - {name: init, command: ["/bin/sh", "-c", "echo from-init > /d/x"], volumeMounts: [{name: d, mountPath: /d}]}
          containers:
          - {name: ok, command: ["/bin/sh", "-c", "cat /d/x; hostname"], volumeMounts: [{name: d, mountPath: /d, readOnly: true}]}
          - {name: bad, command: ["/bin/sh", "-c", "exit 7"]}
          - name: hog
            command: ["/bin/sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"]
            resources: {limits: {memory: 32Mi}}
          volumes: [{name: d, emptyDir: {}}]
        """, runtime: runtime)
      #expect(r.succeeded, "\(r.output)")
      let v = try s.wait("matrix", timeout: 60) { $0.status.phase.isTerminal }
      #expect(v.status.phase == .failed)
      #expect(v.record.runtime.path == runtime)
      #expect(s.log("matrix", "ok") == "from-init\nmatrix\n")
      #expect(v.status.container("ok")?.state.reason == "Completed")
      #expect(v.status.container("bad")?.state.exitCode == 7 && v.status.container("bad")?.state.reason == "Error")
      #expect(v.status.container("hog")?.state.reason == "OOMKilled", "\(String(describing: v.status.container("hog")?.state))")
      let d = try s.garrison(["delete", "pod", "matrix", "--grace-period", "1"])
      #expect(d.succeeded, "\(d.output)")
      #expect(try PodCleanup.mountsUnder(v.paths.directory).isEmpty)
    }
  }
}
