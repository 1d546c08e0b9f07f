import Foundation
import GarrisonAudit
import GarrisonPods
import Testing

/// A syscall the RuntimeDefault profile denies reaches the pod's audit log as a `seccomp.denied` event naming the
/// syscall, the container and the count (the kernel logs it because plans install filters with
/// SECCOMP_FILTER_FLAG_LOG; the supervisor reads /dev/kmsg and attributes it by cgroup).
@Suite(
  .serialized,
  .enabled(
    if: Host.skipReason == nil && FileManager.default.isReadableFile(atPath: "/dev/kmsg")
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
    "needs root, busybox-static, gcc and a readable /dev/kmsg"))
struct SeccompDenialAuditTests {
  /// A static probe that waits `delay` seconds, makes a denied call three times and stays alive `linger` seconds, so
  /// the supervisor can attribute the kernel's record through the live process's cgroup (a process that already
  /// exited is counted unattributed).
  static func probe(delay: Int, linger: Int = 3) -> String {
    """
    #define _GNU_SOURCE
    #include <sched.h>
    #include <stdio.h>
    #include <unistd.h>
    int main(void) {
      sleep(\(delay));
      for (int i = 0; i < 3; i++) if (unshare(CLONE_NEWUSER) == 0) { puts("unshare allowed"); return 1; }
      puts("denied");
      fflush(stdout);
      sleep(\(linger));
      puts("done");
      return 0;
    }
    """
  }

  /// Compiles the probe (`delay`, `linger`) into the scratch rootfs as /bin/denier and applies the pod `denied`
  /// (restricted, RuntimeDefault seccomp, restartPolicy Never) that runs it with garrison-oci; apply's result.
  @discardableResult
  static func applyDenier(_ s: Scratch, delay: Int = 0, linger: Int = 3) throws -> Spawn.Result {
    let src = s.rootfs + "/../denier.c"
    try probe(delay: delay, linger: linger).write(toFile: src, atomically: true, encoding: .utf8)
    let cc = try Spawn.run(["/usr/bin/gcc", "-O2", "-static", "-o", s.rootfs + "/bin/denier", src])
    try #require(cc.status == .exited(0), "\(cc.output)")
    return try s.apply(
      """
      apiVersion: v1
      kind: Pod
      metadata: {name: denied}
      spec:
        restartPolicy: Never
        containers:
        - name: main
          command: ["/bin/denier"]
          securityContext:
            runAsUser: 1000
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
            seccompProfile: {type: RuntimeDefault}
      """, runtime: Host.garrisonOCI)
  }

  @Test func deniedSyscallIsAudited() throws {
    try withScratch { s in
      try Self.applyDenier(s)
      let v = try s.wait("denied", timeout: 30) { $0.status.phase.isTerminal }
      #expect(v.status.phase == .succeeded)
      #expect(s.log("denied", "main").contains("done"))
      let records = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root))
      let denied = records.filter { $0.kind == .seccompDenied }
      guard let event = denied.first else {
        // The kernel may route seccomp records to auditd instead of the kernel log; say so rather than pass.
        let auditd = FileManager.default.fileExists(atPath: "/var/run/auditd.pid")
        Issue.record("no seccomp.denied event (auditd running: \(auditd)); records: \(records.map(\.kind.rawValue))")
        return
      }
      #expect(event.object.container == "main")
      #expect(event.object.pod == "denied")
      let text = String(describing: event.details)
      #expect(text.contains("unshare"), "\(text)")
    }
  }
}
