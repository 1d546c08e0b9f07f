import Foundation
import GarrisonAudit
import GarrisonPods
import Testing

/// `garrison exec` (issue 17): the command runs with the container's own plan, exit codes and streams behave as
/// kubectl's, errors name what is wrong, and every exec is audited.
@Suite(
  .serialized,
  .enabled(if: Host.canRun && Host.garrisonOCI != nil, "needs root, crun, busybox-static and the garrison and garrison-oci executables"))
struct ExecTests {
  static let pod = """
    apiVersion: v1
    kind: Pod
    metadata: {name: shell}
    spec:
      securityContext: {runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3000], seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: main
        command: ["/bin/sh", "-c", "sleep 300"]
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      - name: side
        command: ["/bin/sh", "-c", "sleep 300"]
        securityContext: {runAsUser: 0, runAsGroup: 0}
    """

  /// `garrison exec --root ROOT ARGS` (the root before `--`: everything after it is the command).
  func exec(_ s: Scratch, _ args: [String], stdin: String? = nil) throws -> Spawn.Result {
    var inFD: Int32?
    if let stdin {
      let file = s.dir + "/stdin-\(UInt32.random(in: 0..<UInt32.max))"
      try stdin.write(toFile: file, atomically: true, encoding: .utf8)
      inFD = open(file, O_RDONLY)
    }
    defer { if let inFD { close(inFD) } }
    return try Spawn.run([Host.garrison, "exec", "--root", s.root] + args, stdin: inFD)
  }

  func running(_ s: Scratch) throws {
    let r = try s.apply(Self.pod, runtime: Host.garrisonOCI)
    #expect(r.succeeded, "\(r.output)")
    _ = try s.wait("shell") { v in ["main", "side"].allSatisfy { v.status.container($0)?.state.kind == .running } }
  }

  @Test func execRunsWithTheContainersPlan() throws {
    try withScratch { s in
      try running(s)
      let id = try exec(s, ["shell", "--", "id"])
      #expect(id.succeeded, "\(id.output)")
      #expect(id.output.contains("uid=1000 gid=2000"), "\(id.output)")
      #expect(id.output.contains("3000"), "\(id.output)")
      #expect(id.output.contains("Defaulted container \"main\" out of: main, side"), "\(id.output)")
      let status = try exec(s, ["pod/shell", "--", "cat", "/proc/self/status"])
      #expect(status.succeeded, "\(status.output)")
      for line in ["CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"] {
        #expect(status.output.contains(line), "\(line) in \(status.output)")
      }
      // What the container lacks, an exec cannot gain: the same seccomp program and no capabilities.
      let unshare = try exec(s, ["shell", "--", "unshare", "-U", "-r", "true"])
      #expect(!unshare.succeeded, "\(unshare.output)")
      let side = try exec(s, ["-c", "side", "shell", "--", "id", "-u"])
      #expect(side.output.hasSuffix("0\n"), "\(side.output)")
    }
  }

  @Test func exitCodesStreamsAndErrors() throws {
    try withScratch { s in
      try running(s)
      let seven = try exec(s, ["-c", "main", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 7"])
      #expect(seven.status == .exited(7))
      #expect(seven.output.contains("out\n") && seven.output.contains("err\n"))
      #expect(seven.output.contains("command terminated with exit code 7"))
      let piped = try exec(s, ["-i", "-c", "main", "shell", "--", "tr", "a-z", "A-Z"], stdin: "hello exec\n")
      #expect(piped.output.contains("HELLO EXEC"), "\(piped.output)")
      let noStdin = try exec(s, ["-c", "main", "shell", "--", "cat"], stdin: "ignored\n")
      #expect(noStdin.succeeded && !noStdin.output.contains("ignored"))
      let unknown = try exec(s, ["-c", "nope", "shell", "--", "true"])
      #expect(unknown.status == .exited(2))
      #expect(unknown.output.contains("choose one of: main, side"), "\(unknown.output)")
      #expect(try exec(s, ["missing", "--", "true"]).status == .exited(2))
      #expect(try exec(s, ["-n", "other", "shell", "--", "true"]).status == .exited(2))
      #expect(try exec(s, ["shell", "true"]).status != .exited(0))  // `--` is required
      // Audit: every exec started and ended, refusals recorded, and the chain verifies.
      let records = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root))
      let started = records.filter { $0.kind == .execStarted }
      #expect(started.filter { $0.outcome == .allowed }.count == 3)  // seven, piped, noStdin
      #expect(started.contains { $0.outcome == .denied })
      #expect(records.filter { $0.kind == .execEnded }.count == 3)
      // The pod's runtime is the garrison-oci beside garrison, so the runtime's exec ran in process: exec.started
      // stands for container.exec, and each exec's read-back (after the two containers') lies between its
      // exec.started and exec.ended.
      #expect(!records.contains { $0.kind == .containerExec })
      let kinds = records.map(\.kind).filter { [.execStarted, .enforcementReadback, .execEnded].contains($0) }
      let sessions = kinds.split(separator: .execEnded).filter { $0.contains(.enforcementReadback) }
      #expect(sessions.count == 3, "\(kinds)")
      for s in sessions { #expect(Array(s.suffix(2)) == [.execStarted, .enforcementReadback], "\(kinds)") }
      let verify = try Spawn.run([Host.garrison, "audit", "verify", "--root", s.root])
      #expect(verify.succeeded, "\(verify.output)")
    }
  }

  /// `GARRISON_EXEC_SPAWN_RUNTIME` makes garrison spawn garrison-oci as it spawns any other runtime: the same
  /// plan, and garrison-oci's own container.exec and read-back events in the pod's log.
  @Test func execThroughASpawnedRuntime() throws {
    try withScratch { s in
      try running(s)
      let id = try Spawn.run([
        "/usr/bin/env", "GARRISON_EXEC_SPAWN_RUNTIME=1", Host.garrison, "exec", "--root", s.root, "shell", "--", "id",
      ])
      #expect(id.succeeded && id.output.contains("uid=1000 gid=2000"), "\(id.output)")
      let records = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root))
      let kinds = records.map(\.kind).filter { [.execStarted, .containerExec, .enforcementReadback, .execEnded].contains($0) }
      #expect(Array(kinds.suffix(4)) == [.execStarted, .containerExec, .enforcementReadback, .execEnded], "\(kinds)")
    }
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "tmux is not installed (scripts/setup.sh installs it)"))
  func interactiveTerminalFollowsResizesAndIsRestored() throws {
    try withScratch { s in
      try running(s)
      let session = "garrison-exec-\(getpid())"
      let after = s.dir + "/stty-after"
      let command = "\(Host.garrison) exec --root \(s.root) -it -c main shell -- sh; stty -a > \(after); sleep 30"
      #expect(try Spawn.run(["/usr/bin/tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command]).succeeded)
      defer { _ = try? Spawn.run(["/usr/bin/tmux", "kill-session", "-t", session]) }
      func screen() -> String { (try? Spawn.run(["/usr/bin/tmux", "capture-pane", "-p", "-t", session]).output) ?? "" }
      func type(_ text: String) throws { _ = try Spawn.run(["/usr/bin/tmux", "send-keys", "-t", session, text, "Enter"]) }
      func waitFor(_ text: String) throws -> Bool {
        for _ in 0..<100 {
          if screen().contains(text) { return true }
          usleep(100_000)
        }
        return false
      }
      #expect(try waitFor("$"), "\(screen())")
      try type("stty size; id -u")
      #expect(try waitFor("30 100"), "\(screen())")
      _ = try Spawn.run(["/usr/bin/tmux", "resize-window", "-t", session, "-x", "120", "-y", "40"])
      usleep(300_000)
      try type("stty size")
      #expect(try waitFor("40 120"), "\(screen())")
      try type("exit")
      for _ in 0..<100 where !FileManager.default.fileExists(atPath: after) { usleep(100_000) }
      let restored = (try? String(contentsOfFile: after, encoding: .utf8)) ?? ""
      #expect(restored.contains(" icanon") && restored.contains(" echo"), "terminal not restored: \(restored)")
    }
  }
}
