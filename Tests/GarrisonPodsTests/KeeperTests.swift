import Foundation
import GarrisonAudit
import GarrisonKernel
import GarrisonPods
import Testing

/// Whether garrison-keeper is built beside garrison (and so beside garrison-supervisor, which hands over to it).
enum KeeperBinary {
  static let path = (Host.garrison as NSString).deletingLastPathComponent + "/garrison-keeper"
  static let built = FileManager.default.isExecutableFile(atPath: path)
}

/// garrison-keeper: a quiescent pod's supervisor `execve`s the keeper (same pid and start time, ~0.6 MB resident)
/// and the keeper execs the supervisor back on an event. What the pod does must not change: exits collected and
/// restarted with backoff, logs byte for byte, deletes with the grace period, seccomp denials audited.
@Suite(
  .serialized,
  .enabled(if: Host.skipReason == nil && KeeperBinary.built, "needs root, crun, busybox-static and garrison-keeper beside garrison"))
struct KeeperTests {
  /// The executable the supervisor of `pod` runs now (nil once it is gone).
  static func exe(_ s: Scratch, _ pod: String) throws -> String? {
    guard let sup = try s.manager.view("default", pod)?.status.supervisor else { return nil }
    return try? Kernel.readlink("/proc/\(sup.pid)/exe")
  }

  /// Waits until the pod's supervisor runs garrison-keeper.
  static func waitForKeeper(_ s: Scratch, _ pod: String, timeout: Double = 10) throws -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
      if try exe(s, pod)?.hasSuffix("/garrison-keeper") == true { return true }
      usleep(20_000)
    }
    return false
  }

  @Test func podHandsOverToTheKeeperOnceRunning() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: quiet}
        spec:
          containers: [{name: main, command: ["sleep", "1000"]}]
        """)
      let v = try s.wait("quiet") { $0.status.container("main")?.state.kind == .running }
      let sup = try #require(v.status.supervisor)
      #expect(try Self.waitForKeeper(s, "quiet"))
      // The same process: pid and start time unchanged by the exec, so `get` still sees it supervised.
      #expect(ProcessProbe.isAlive(sup))
      let again = try #require(try s.manager.view("default", "quiet"))
      #expect(again.supervised && again.status.supervisor == sup)
      let status = try String(contentsOfFile: "/proc/\(sup.pid)/status", encoding: .utf8)
      let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map(String.init) ?? ""
      let kb = Int(hwm.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
      #expect(kb > 0 && kb < 4096, "\(hwm)")
    }
  }

  @Test func exitWhileTheKeeperHoldsIsCollectedAndRestartedWithBackoff() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: crash}
        spec:
          restartPolicy: Always
          containers: [{name: main, command: ["/bin/sh", "-c", "sleep 1.5; exit 3"]}]
        """)
      _ = try s.wait("crash") { $0.status.container("main")?.state.kind == .running }
      #expect(try Self.waitForKeeper(s, "crash"))
      let v = try s.wait("crash", timeout: 30) { ($0.status.container("main")?.restartCount ?? 0) >= 2 }
      let c = try #require(v.status.container("main"))
      #expect(c.lastState?.exitCode == 3, "\(String(describing: c.lastState))")
      #expect(c.lastState?.reason == "Error")
      // Backoff 0.2 s, then 0.4 s: the restarts waited (the keeper held the pod through the backoff deadline).
      let events = v.status.events.filter { $0.reason == "Started" }.map(\.message)
      #expect(events.count >= 3, "\(events)")
      #expect(try Self.waitForKeeper(s, "crash"))
      let records = try s.auditRecords().filter { $0.hasPrefix("container.exited") }
      #expect(records.count >= 2, "\(records)")
    }
  }

  /// Lines written before, while and after the keeper holds the pod, one begun before a handover and finished
  /// after it, and one longer than 16 KiB, are what the resident supervisor writes: one `F` line each (the long
  /// one split at 16 KiB with `P`), in order. A second container exits every ~2 s so the pod changes hands while
  /// the first one writes.
  @Test func logsAcrossHandoversAreByteExact() throws {
    try withScratch { s in
      let script =
        "echo before; printf split-; sleep 2; echo across; head -c 20000 /dev/zero | tr '\\\\0' x; echo; "
        + "printf part1-; sleep 2.5; echo part2; echo after; sleep 1000"
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: talk}
        spec:
          restartPolicy: Always
          containers:
          - {name: main, command: ["/bin/sh", "-c", "\(script)"]}
          - {name: tick, command: ["/bin/sh", "-c", "sleep 2; exit 0"]}
        """)
      _ = try s.wait("talk") { $0.status.container("main")?.state.kind == .running }
      #expect(try Self.waitForKeeper(s, "talk"))
      _ = try s.wait("talk", timeout: 20) { _ in s.log("talk", "main").contains("after") }
      let long = String(repeating: "x", count: 20000)
      #expect(s.log("talk", "main") == "before\nsplit-across\n\(long)\npart1-part2\nafter\n")
      let path = PodPaths(root: s.root, namespace: "default", name: "talk").log("main", restart: 0)
      let raw = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
      for line in raw {
        let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        #expect(f.count == 4 && f[0].utf8.count == 30 && f[0].hasSuffix("Z") && f[1] == "stdout" && (f[2] == "F" || f[2] == "P"))
      }
      for whole in ["before", "split-across", "part1-part2", "after"] {
        #expect(raw.contains { $0.hasSuffix(" stdout F \(whole)") }, "\(whole) is not one F line")
      }
      #expect(raw.filter { $0.contains(" P ") }.allSatisfy { $0.hasSuffix("x") })
      // The pod did change hands while `main` wrote: `tick` exited and restarted.
      let v = try #require(try s.manager.view("default", "talk"))
      #expect((v.status.container("tick")?.restartCount ?? 0) >= 1)
    }
  }

  @Test func logsFollowAcrossHandovers() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: follow}
        spec:
          restartPolicy: Never
          containers:
          - {name: main, command: ["/bin/sh", "-c", "echo one; sleep 1.5; echo two; sleep 1.5; printf three; sleep 1; echo; echo four"]}
          - {name: side, command: ["/bin/sh", "-c", "sleep 2; exit 0"]}
        """)
      _ = try s.wait("follow") { $0.status.container("main")?.state.kind == .running }
      #expect(try Self.waitForKeeper(s, "follow"))
      let follow = try s.garrison(["logs", "follow", "-c", "main", "-f"])
      #expect(follow.succeeded)
      #expect(follow.output == "one\ntwo\nthree\nfour\n", "\(follow.output)")
    }
  }

  /// supervisor-state.json unreadable when the keeper hands the pod back (corrupt, or gone): the supervisor rebuilds
  /// its state from status.json, the record and the logs handed back, so the pod is not lost. The running container
  /// keeps its pid and its log goes on being copied, the one that was killed is restarted, the supervisor (same
  /// process) hands over again with a state file written anew, and the failure is a pod event and an audit event.
  @Test(arguments: ["corrupt", "missing"])
  func anUnreadableStateFileAtResumeDoesNotLoseThePod(damage: String) throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: kept}
        spec:
          restartPolicy: Always
          terminationGracePeriodSeconds: 1
          containers:
          - {name: main, command: ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo line$i; sleep 0.2; done"]}
          - {name: tick, command: ["sleep", "1000"]}
        """)
      let v = try s.wait("kept") { $0.status.containers.allSatisfy { $0.state.kind == .running } }
      let sup = try #require(v.status.supervisor)
      let main = try #require(v.status.container("main")?.pid)
      let tick = try #require(v.status.container("tick")?.pid)
      #expect(try Self.waitForKeeper(s, "kept"))
      let paths = PodPaths(root: s.root, namespace: "default", name: "kept")
      if damage == "corrupt" {
        try "{\"status\": [1, 2".write(toFile: paths.supervisorState, atomically: true, encoding: .utf8)
      } else {
        try FileManager.default.removeItem(atPath: paths.supervisorState)
      }
      kill(tick, SIGKILL)
      let after = try s.wait("kept", timeout: 30) {
        ($0.status.container("tick")?.restartCount ?? 0) >= 1 && $0.status.container("tick")?.state.kind == .running
      }
      #expect(after.status.supervisor == sup && ProcessProbe.isAlive(sup))
      #expect(after.status.container("main")?.pid == main && after.status.container("main")?.state.kind == .running)
      #expect(after.status.events.contains { $0.reason == "SupervisorStateRebuilt" }, "\(after.status.events)")
      let rebuilt = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root)).filter { $0.kind == .supervisorStateRebuilt }
      #expect(rebuilt.count == 1 && rebuilt.first?.object.pod == "kept", "\(rebuilt)")
      let details = rebuilt.first.map { "\($0.details)" } ?? ""
      #expect(details.contains("main"), "\(details)")
      #expect(try Self.waitForKeeper(s, "kept"))
      #expect(FileManager.default.fileExists(atPath: paths.supervisorState))
      // main's output is still copied, line after line, into the same log.
      let lines = s.log("kept", "main").split(separator: "\n").count
      usleep(1_000_000)
      let more = s.log("kept", "main").split(separator: "\n")
      #expect(more.count > lines && more.last == "line\(more.count)", "\(more.suffix(3))")
      let r = try s.garrison(["delete", "pod", "kept", "--grace-period", "1"])
      #expect(r.succeeded, "\(r.output)")
      #expect(!ProcessProbe.isAlive(sup))
    }
  }

  @Test func deleteWhileTheKeeperHoldsUsesTheGracePeriod() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: stop}
        spec:
          terminationGracePeriodSeconds: 20
          containers: [{name: main, command: ["/bin/sh", "-c", "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.1; done"]}]
        """)
      let v = try s.wait("stop") { $0.status.container("main")?.state.kind == .running }
      let sup = try #require(v.status.supervisor)
      #expect(try Self.waitForKeeper(s, "stop"))
      let start = Date()
      let r = try s.garrison(["delete", "pod", "stop", "--grace-period", "10"])
      #expect(r.succeeded, "\(r.output)")
      // SIGTERM reached the container through the supervisor taken back from the keeper; it exited well
      // within the grace period (no SIGKILL wave after 10 s).
      #expect(Date().timeIntervalSince(start) < 8)
      #expect(!ProcessProbe.isAlive(sup))
      let records = try s.auditRecords()
      #expect(records.contains("container.exited default/stop/main"), "\(records)")
    }
  }
}

/// A seccomp denial while garrison-keeper holds the pod still becomes a `seccomp.denied` event: the keeper wakes
/// on the kernel's record and hands the pod back, whose supervisor reads the record at its own position.
@Suite(
  .serialized,
  .enabled(
    if: Host.skipReason == nil && KeeperBinary.built && Host.garrisonOCI != nil
      && FileManager.default.isReadableFile(atPath: "/dev/kmsg") && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
    "needs root, busybox-static, gcc, garrison-oci, garrison-keeper and a readable /dev/kmsg"))
struct KeeperSeccompTests {
  /// Applies one single-container pod (`sleep`) per name, traced (`GARRISON_TRACE_PHASES`: each pod's
  /// supervisor.log gets a mark at every exec of the supervisor by the keeper), and waits for them to run.
  static func applyTraced(_ s: Scratch, _ names: [String]) throws {
    let file = s.dir + "/traced-\(names.joined(separator: "-")).yaml"
    try names.map {
      "---\napiVersion: v1\nkind: Pod\nmetadata: {name: \($0)}\nspec:\n  terminationGracePeriodSeconds: 0\n"
        + "  containers: [{name: main, command: [\"sleep\", \"1000\"]}]\n"
    }.joined().write(toFile: file, atomically: true, encoding: .utf8)
    let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" } + ["GARRISON_TRACE_PHASES=1"]
    let apply = try Spawn.start(
      [
        Host.garrison, "apply", "-f", file, "--rootfs", s.rootfs, "--runtime", Host.crun!, "--no-seccomp-default",
        "--network", "none", "--wait", "--timeout", "30", "--root", s.root,
      ], environment: environment)
    #expect(try Spawn.waitPID(apply) == .exited(0))
  }

  /// How many times the keeper of traced pod `pod` exec'd its supervisor back.
  static func wakeUps(_ s: Scratch, _ pod: String) -> Int {
    let log = PodPaths(root: s.root, namespace: "default", name: pod).supervisorLog
    return ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "keeper exec supervisor").count - 1
  }

  @Test func denialWhileTheKeeperHoldsIsAudited() throws {
    try withScratch { s in
      // The denied calls come 3 s after the start, when the keeper holds the pod.
      try SeccompDenialAuditTests.applyDenier(s, delay: 3)
      _ = try s.wait("denied") { $0.status.container("main")?.state.kind == .running }
      #expect(try KeeperTests.waitForKeeper(s, "denied", timeout: 2.5))
      let v = try s.wait("denied", timeout: 30) { $0.status.phase.isTerminal }
      #expect(v.status.phase == .succeeded)
      let denied = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root)).filter { $0.kind == .seccompDenied }
      let event = try #require(denied.first { $0.object.pod == "denied" }, "no seccomp.denied event for the pod")
      #expect(event.object.container == "main")
      #expect(String(describing: event.details).contains("unshare"))
    }
  }

  /// Another pod's denial is that pod's to audit: it neither wakes this pod's keeper (which would keep this pod's
  /// supervisor resident) nor becomes an unattributed event written by this pod's supervisor.
  @Test func anotherPodsDenialDoesNotWakeThisPodsKeeper() throws {
    try withScratch { s in
      try Self.applyTraced(s, ["quiet"])
      #expect(try KeeperTests.waitForKeeper(s, "quiet", timeout: 2.5))
      func wakeUps() -> Int { Self.wakeUps(s, "quiet") }
      let before = wakeUps()
      try SeccompDenialAuditTests.applyDenier(s)
      let v = try s.wait("denied", timeout: 30) { $0.status.phase.isTerminal }
      #expect(v.status.phase == .succeeded)
      #expect(wakeUps() == before, "the keeper of pod quiet woke for pod denied's seccomp record")
      #expect(try KeeperTests.exe(s, "quiet")?.hasSuffix("/garrison-keeper") == true)
      // Stopping flushes what quiet's supervisor aggregated: nothing of pod denied's record.
      try s.manager.delete("default", "quiet", grace: 1)
      let events = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root)).filter { $0.kind == .seccompDenied }
      #expect(events.contains { $0.object.pod == "denied" }, "no seccomp.denied event for pod denied")
      #expect(!events.contains { $0.object.pod == nil }, "unattributed seccomp.denied events: \(events.map(\.details))")
    }
  }

  /// A record of a process already gone is nobody's: of two pods held by their keepers, only the one that claims it
  /// wakes, and the audit log gets one unattributed event, not one per pod. The record is written into the kernel
  /// log by the test (root may), for a pid above the kernel's pid_max, so no process can ever own it.
  @Test func aGoneProcessesRecordWakesOneKeeperAndIsAuditedOnce() throws {
    try withScratch { s in
      try Self.applyTraced(s, ["gone-a", "gone-b"])
      for pod in ["gone-a", "gone-b"] { #expect(try KeeperTests.waitForKeeper(s, pod, timeout: 5)) }
      func wakeUps(_ pod: String) -> Int { Self.wakeUps(s, pod) }
      let before = ["gone-a", "gone-b"].map(wakeUps)
      let pid = 4_194_305
      try FileIO.write(
        "/dev/kmsg",
        "audit: type=1326 audit(1795734783.091:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=\(pid) comm=\"gone\" "
          + "exe=\"/bin/gone\" sig=0 arch=c000003e syscall=272 compat=0 ip=0x0 code=0x50000\n")
      // One keeper wakes its supervisor, which holds the record for its aggregation window.
      let deadline = Date(timeIntervalSinceNow: 5)
      var woke: [Int] = []
      repeat {
        usleep(50_000)
        woke = zip(["gone-a", "gone-b"].map(wakeUps), before).map { $0 - $1 }
      } while woke.reduce(0, +) == 0 && Date() < deadline
      usleep(300_000)
      woke = zip(["gone-a", "gone-b"].map(wakeUps), before).map { $0 - $1 }
      #expect(woke.filter { $0 > 0 }.count == 1, "keepers woken: \(woke)")
      for pod in ["gone-a", "gone-b"] { try s.manager.delete("default", pod, grace: 1) }
      let events = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root))
        .filter { $0.kind == .seccompDenied && String(describing: $0.details).contains("\(pid)") }
      #expect(events.count == 1, "\(events.count) events for the record")
      #expect(events.allSatisfy { $0.object.pod == nil })
    }
  }
}

/// Probes between their periods: the keeper holds the pod and gives it back at the next probe's time.
@Suite(
  .serialized,
  .enabled(if: Host.skipReason == nil && KeeperBinary.built, "needs root, crun, busybox-static and garrison-keeper beside garrison"))
struct KeeperProbeTests {
  @Test func probesRunWhileTheKeeperHoldsThePodBetweenPeriods() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: probed}
        spec:
          restartPolicy: Always
          containers:
          - name: main
            command: ["/bin/sh", "-c", "touch /tmp/ready; sleep 1000"]
            readinessProbe: {exec: {command: ["cat", "/tmp/ready"]}, periodSeconds: 2}
            livenessProbe: {exec: {command: ["true"]}, periodSeconds: 2, failureThreshold: 2}
        """)
      _ = try s.wait("probed", timeout: 20) { $0.status.container("main")?.ready == true }
      #expect(try KeeperTests.waitForKeeper(s, "probed", timeout: 5))
      // Probes keep running: the Unhealthy-free pod stays ready across several periods, resumed each time.
      usleep(5_000_000)
      let v = try #require(try s.manager.view("default", "probed"))
      #expect(v.status.container("main")?.ready == true)
      #expect(v.status.container("main")?.restartCount == 0)
      #expect(!v.status.events.contains { $0.reason == "Unhealthy" }, "\(v.status.events)")
    }
  }

  @Test func aFailingLivenessProbeRestartsTheContainerAcrossHandovers() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: sick}
        spec:
          restartPolicy: Always
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            command: ["/bin/sh", "-c", "sleep 1000"]
            livenessProbe: {exec: {command: ["false"]}, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2}
        """)
      _ = try s.wait("sick") { $0.status.container("main")?.state.kind == .running }
      let v = try s.wait("sick", timeout: 30) { ($0.status.container("main")?.restartCount ?? 0) >= 1 }
      #expect(v.status.events.contains { $0.reason == "Unhealthy" })
      #expect(v.status.events.contains { $0.reason == "Killing" && $0.message.contains("liveness") })
    }
  }
}
