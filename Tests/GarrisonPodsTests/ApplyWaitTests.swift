import Foundation
import GarrisonCore
import GarrisonPods
import Testing

/// `garrison apply --wait`: returns once every pod it applied is Running (every app container running) or
/// Succeeded; a failed pod ends it with exit code 4, a timeout with exit code 5.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct ApplyWaitTests {
  /// Two pods, one with an init container: when apply returns, every app container of both is already running.
  @Test func returnsOnceEveryAppContainerOfEveryPodRuns() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: w1}
        spec:
          terminationGracePeriodSeconds: 0
          initContainers: [{name: init, command: ["/bin/sh", "-c", "sleep 0.3"]}]
          containers:
          - {name: a, command: ["sleep", "1000"]}
          - {name: b, command: ["sleep", "1000"]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: w2}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: main, command: ["sleep", "1000"]}]
        """, extra: ["--network", "none", "--wait", "--timeout", "30"])
      #expect(r.succeeded, "\(r.output)")
      // Read once, no waiting: the state apply saw.
      let w1 = try #require(try s.manager.view("default", "w1"))
      let w2 = try #require(try s.manager.view("default", "w2"))
      #expect(w1.status.phase == .running && w2.status.phase == .running)
      for (v, c) in [(w1, "a"), (w1, "b"), (w2, "main")] {
        #expect(v.status.container(c)?.state.kind == .running, "\(c): \(String(describing: v.status.container(c)?.state))")
      }
      #expect(w1.status.container("init")?.state.kind == .terminated)
    }
  }

  /// A pod that runs to completion (restartPolicy Never, exit 0) ends the wait with success: it was Running, or
  /// had already Succeeded when the wait read it.
  @Test func aSucceededPodEndsTheWaitWithSuccess() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: done}
        spec:
          restartPolicy: Never
          containers: [{name: main, command: ["true"]}]
        """, extra: ["--network", "none", "--wait", "--timeout", "30"])
      #expect(r.succeeded, "\(r.output)")
      let phase = try #require(try s.manager.view("default", "done")?.status.phase)
      #expect(phase == .running || phase == .succeeded, "\(phase)")
    }
  }

  /// A pod that fails before it runs (an init container exits 3, restartPolicy Never) ends the wait with exit
  /// code 4, saying which pod and why. (A container that exits after it ran does not: the pod was Running.)
  @Test func aFailedPodEndsTheWaitWithExitCode4() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: broken}
        spec:
          restartPolicy: Never
          initContainers: [{name: init, command: ["/bin/sh", "-c", "exit 3"]}]
          containers: [{name: main, command: ["sleep", "1000"]}]
        """, extra: ["--network", "none", "--wait", "--timeout", "30"])
      #expect(r.status == .exited(ExitCodes.system), "\(r.output)")
      #expect(r.output.contains("pod default/broken is Failed: Init:Error"), "\(r.output)")
      #expect(r.output.contains("container init: Terminated Error"), "\(r.output)")
    }
  }

  /// A pod still initializing when --timeout passes ends the wait with exit code 5, naming the pod; the pod
  /// itself is left running (the wait only watches).
  @Test func aTimeoutEndsTheWaitWithExitCode5() throws {
    try withScratch { s in
      let started = Date()
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: slow}
        spec:
          terminationGracePeriodSeconds: 0
          initContainers: [{name: init, command: ["sleep", "30"]}]
          containers: [{name: main, command: ["sleep", "1000"]}]
        """, extra: ["--network", "none", "--wait", "--timeout", "1"])
      let took = Date().timeIntervalSince(started)
      #expect(r.status == .exited(ExitCodes.timedOut), "\(r.output)")
      #expect(r.output.contains("timed out after 1s") && r.output.contains("default/slow not running yet"), "\(r.output)")
      #expect(took < 10, "apply --wait --timeout 1 took \(took) s")
      #expect(try s.manager.view("default", "slow")?.status.phase == .pending)
    }
  }

  /// The supervisor apply started holds the sender end of apply's wake-up socket at fd 3, close-on-exec (its
  /// containers never get it; garrison-keeper, while it holds the pod, keeps it open across its exec); once apply is gone, the next status it writes finds the socket's peer gone, and it
  /// closes its end and goes on (no SIGPIPE): a restarting container keeps the pod supervised.
  @Test func theSupervisorsWakeSocketIsCloseOnExecAndOutlivesApply() throws {
    try withScratch { s in
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: woken}
        spec:
          terminationGracePeriodSeconds: 0
          containers: [{name: main, command: ["/bin/sh", "-c", "sleep 1; exit 1"]}]
        """, extra: ["--network", "none", "--wait", "--timeout", "30"])
      #expect(r.succeeded, "\(r.output)")
      let v = try #require(try s.manager.view("default", "woken"))
      let sup = try #require(v.status.supervisor?.pid)
      let socket = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sup)/fd/3")
      #expect(socket.hasPrefix("socket:"), "\(socket)")
      let fdinfo = try String(contentsOfFile: "/proc/\(sup)/fdinfo/3", encoding: .utf8)
      let flags = try #require(
        fdinfo.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap {
          Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8)
        })
      // garrison-keeper (the supervisor's process while the pod is quiescent) holds it inheritable: it passes it
      // back to the supervisor by exec and spawns nothing; the containers' descriptors are checked below.
      let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sup)/exe")) ?? ""
      if !exe.hasSuffix("/garrison-keeper") { #expect(flags & Int(O_CLOEXEC) != 0, "fd 3 flags \(String(flags, radix: 8))") }
      if let c = v.status.container("main")?.pid, let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(c)/fd") {
        for fd in fds { #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(c)/fd/\(fd)")) != socket) }
      }
      // apply has exited: the restarts' status writes meet a closed peer.
      _ = try s.wait("woken", timeout: 30) { ($0.status.container("main")?.restartCount ?? 0) >= 1 }
      #expect(kill(sup, 0) == 0, "the supervisor died")
      #expect(
        !FileManager.default.fileExists(atPath: "/proc/\(sup)/fd/3")
          || (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sup)/fd/3")) != socket)
      #expect(try s.manager.view("default", "woken")?.status.supervisor?.pid == sup)
    }
  }
}
