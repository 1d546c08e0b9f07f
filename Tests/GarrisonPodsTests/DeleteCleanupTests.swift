import Foundation
import GarrisonPods
import GarrisonKernel
import Testing

/// `delete` (one SIGTERM wave, pidfd waits, pods deleted in parallel) ends every process of the pod — container
/// processes and their children, the sandbox, the supervisor — and removes its cgroups, mounts and state.
@Suite(.serialized, .enabled(if: Host.canRun, "needs root, crun, busybox-static and the garrison executable"))
struct DeleteCleanupTests {
  /// What a pod holds on the host while it runs.
  struct Held {
    var processes: [ProcessRef]
    var cgroups: [String]
    var directory: String
  }

  /// The live processes of a running pod (supervisor, sandbox, every process in its containers' cgroups) and
  /// its cgroup directories in every hierarchy.
  func held(_ s: Scratch, _ name: String) throws -> Held {
    let v = try #require(try s.manager.view("default", name))
    var refs = [v.status.supervisor, v.status.sandbox].compactMap { $0 }
    let cgroups = Scratch.cgroupBases().map { $0 + "/" + v.record.uid }.filter { FileManager.default.fileExists(atPath: $0) }
    for dir in cgroups {
      let tree = FileManager.default.enumerator(atPath: dir)
      var files = [dir + "/cgroup.procs"]
      while let rel = tree?.nextObject() as? String {
        if rel.hasSuffix("/cgroup.procs") { files.append(dir + "/" + rel) }
      }
      for f in files {
        for line in ((try? String(contentsOfFile: f, encoding: .utf8)) ?? "").split(separator: "\n") {
          if let pid = Int32(line), let ref = ProcessProbe.ref(pid), !refs.contains(ref) { refs.append(ref) }
        }
      }
    }
    return Held(processes: refs, cgroups: cgroups, directory: v.paths.directory)
  }

  func expectGone(_ h: Held) throws {
    for p in h.processes { #expect(!ProcessProbe.isAlive(p), "pid \(p.pid) survived delete") }
    for c in h.cgroups { #expect(!FileManager.default.fileExists(atPath: c), "cgroup \(c) survived delete") }
    #expect(try PodCleanup.mountsUnder(h.directory).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: h.directory))
  }

  /// Containers with children, one that ignores SIGTERM (SIGKILL after the grace period), one that exits on it;
  /// three pods deleted by one command.
  @Test func deleteEndsEveryProcessAndCgroupOfSeveralPods() throws {
    try withScratch { s in
      let names = ["del-a", "del-b", "del-c"]
      var yaml = ""
      for n in names {
        yaml += """
          ---
          apiVersion: v1
          kind: Pod
          metadata: {name: \(n)}
          spec:
            terminationGracePeriodSeconds: 1
            initContainers: [{name: init, command: ["/bin/sh", "-c", "true"]}]
            containers:
            - {name: stubborn, command: ["/bin/sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000 & wait"]}
            - {name: polite, command: ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]}
            - {name: plain, command: ["sleep", "1000"]}

          """
      }
      let r = try s.apply(yaml)
      #expect(r.succeeded, "\(r.output)")
      var holdings: [Held] = []
      for n in names {
        let v = try s.wait(n) { v in ["stubborn", "polite", "plain"].allSatisfy { v.status.container($0)?.state.kind == .running } }
        #expect(v.status.phase == .running)
        // Let the shells start their children, so there is more than one process per container to end.
        var h = try held(s, n)
        for _ in 0..<50 where h.processes.count < 2 + 5 {
          usleep(20_000)
          h = try held(s, n)
        }
        #expect(h.processes.count >= 2 + 5, "supervisor, sandbox and the containers' processes: \(h.processes.map(\.pid))")
        #expect(!h.cgroups.isEmpty)
        holdings.append(h)
      }
      let d = try s.garrison(["delete", "pod"] + names)
      #expect(d.succeeded, "\(d.output)")
      for n in names { #expect(d.output.contains("pod \"\(n)\" deleted"), "\(d.output)") }
      for h in holdings { try expectGone(h) }
      // Every container's start and exit are audited, the stubborn one too (SIGKILL after the grace period).
      let audit = try s.auditRecords()
      for n in names {
        for c in ["init", "stubborn", "polite", "plain"] {
          #expect(audit.contains("container.exited default/\(n)/\(c)"), "no exit record of \(n)/\(c)")
        }
      }
    }
  }

  /// After the supervisor was killed (no teardown of its own), delete still ends the containers and removes
  /// their cgroups: the cleanup does not rely on the supervisor having finished.
  @Test func deleteAfterAKilledSupervisorEndsEverything() throws {
    try withScratch { s in
      try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: crashed}
        spec:
          containers:
          - {name: a, command: ["/bin/sh", "-c", "sleep 1000 & wait"]}
          - {name: b, command: ["sleep", "1000"]}
        """)
      let v = try s.wait("crashed") { v in ["a", "b"].allSatisfy { v.status.container($0)?.state.kind == .running } }
      let h = try held(s, "crashed")
      let sup = try #require(v.status.supervisor)
      kill(sup.pid, SIGKILL)
      _ = ProcessProbe.waitExit(sup, timeout: 5)
      let d = try s.garrison(["delete", "pod", "crashed", "--grace-period", "0"])
      #expect(d.succeeded, "\(d.output)")
      // Container processes were reparented to init when the supervisor died; reaped by it shortly after.
      for p in h.processes { _ = ProcessProbe.waitExit(p, timeout: 5) }
      try expectGone(h)
    }
  }
}
