import Foundation
import GarrisonCore
import GarrisonKernel
@testable import GarrisonSupervisor
import GarrisonTestSupport
import Testing

/// garrison-keeper on its own (no root, no pod): what it copies into a log, what it passes back to the worker it
/// execs (here a shell that writes its arguments to a file), and the supervisor's checks of what comes back.
@Suite struct KeeperProcessTests {
  static let keeper = BuiltProducts.path("garrison-keeper")
  static var built: Bool { FileManager.default.isExecutableFile(atPath: keeper) }

  /// A scratch directory under /var/tmp, removed afterwards.
  static func scratch(_ body: (String) throws -> Void) throws {
    let dir = "/var/tmp/garrison-keeper-test-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try body(dir)
  }

  /// Starts the keeper with a pipe at fd 3 (stdout) and the log at fd 4; the "worker" writes its arguments to
  /// `dir/args`. Returns the keeper's pid and the pipe's write end.
  static func start(_ dir: String, extra: [String], pending: String = "-") throws -> (pid: pid_t, write: Int32) {
    let p = try Kernel.pipe()
    let log = open(dir + "/0.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
    defer {
      close(p.read)
      close(log)
    }
    let worker = ["/bin/sh", "-c", "printf '%s\\n' \"$@\" > \(dir)/args", "sh"]
    let pid = try Spawn.start(
      [keeper, "--worker", "/bin/sh"] + extra + ["--log", "3,-1,4,\(pending),-", "--"] + worker,
      io: SpawnIO(stderr: 2, inherited: [p.read, log]))
    return (pid, p.write)
  }

  static func write(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    _ = Glibc.write(fd, &bytes, bytes.count)
  }

  @Test(.enabled(if: KeeperProcessTests.built, "garrison-keeper is not built"))
  func copiesLinesAndHandsBackTheUnfinishedOneAtTheDeadline() throws {
    try Self.scratch { dir in
      // "on" was read by the worker before the handover: the keeper finishes that line.
      // An option of a newer supervisor is ignored (the pod is not lost over a version skew).
      let k = try Self.start(dir, extra: ["--deadline-ms", "400", "--from-a-newer-supervisor", "1"], pending: "6f6e")
      Self.write(k.write, "e\ntwo\npart")
      usleep(150_000)
      Self.write(k.write, "ial\nthr")
      let status = try Spawn.waitPID(k.pid)
      close(k.write)
      #expect(status == .exited(0))
      let log = try String(contentsOfFile: dir + "/0.log", encoding: .utf8)
      #expect(CRILog.render(log) == "one\ntwo\npartial\n", "\(log)")
      for line in log.split(separator: "\n") {
        let f = line.split(separator: " ", maxSplits: 3)
        #expect(f.count == 4 && f[0].utf8.count == CRILog.timestamp().utf8.count && f[1] == "stdout" && f[2] == "F")
      }
      let args = try String(contentsOfFile: dir + "/args", encoding: .utf8).split(separator: "\n").map(String.init)
      // The pipe is handed back at the same descriptor with "thr" (hex) pending; no exits, no stop request.
      #expect(args == ["--log", "3,-1,4,746872,-"], "\(args)")
    }
  }

  @Test(.enabled(if: KeeperProcessTests.built, "garrison-keeper is not built"))
  func aStopRequestExecsTheWorkerWithTerminate() throws {
    try Self.scratch { dir in
      let k = try Self.start(dir, extra: [])
      usleep(150_000)
      kill(k.pid, SIGTERM)
      let status = try Spawn.waitPID(k.pid)
      close(k.write)
      #expect(status == .exited(0))
      let args = try String(contentsOfFile: dir + "/args", encoding: .utf8).split(separator: "\n").map(String.init)
      #expect(args == ["--log", "3,-1,4,-,-", "--terminate"], "\(args)")
    }
  }

  /// A supervisor that cannot be exec'd: the keeper stays (still copying the log), says so on stderr and retries
  /// with backoff.
  @Test(.enabled(if: KeeperProcessTests.built, "garrison-keeper is not built"))
  func aWorkerThatCannotBeExecdIsRetriedWhileTheKeeperKeepsCopying() throws {
    try Self.scratch { dir in
      let p = try Kernel.pipe()
      let log = open(dir + "/0.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
      let err = open(dir + "/stderr", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
      let pid = try Spawn.start(
        [Self.keeper, "--worker", dir + "/no-such-supervisor", "--deadline-ms", "10", "--log", "3,-1,4,-,-", "--", "x"],
        io: SpawnIO(stderr: err, inherited: [p.read, log]))
      close(p.read)
      close(log)
      close(err)
      usleep(500_000)
      Self.write(p.write, "still copied\n")
      usleep(200_000)
      let alive = kill(pid, 0) == 0
      kill(pid, SIGKILL)
      _ = try Spawn.waitPID(pid)
      close(p.write)
      #expect(alive, "the keeper exited when the supervisor could not be exec'd")
      let complaints = try String(contentsOfFile: dir + "/stderr", encoding: .utf8)
      let retries = complaints.split(separator: "\n").filter { $0.contains("cannot exec the supervisor") }
      #expect(retries.count >= 2 && retries.count < 10, "\(complaints)")
      #expect(CRILog.render(try String(contentsOfFile: dir + "/0.log", encoding: .utf8)) == "still copied\n")
    }
  }

  /// Seccomp records of more live processes outside the pod than one `--seccomp-foreign` argument holds: the keeper
  /// keeps the first 256 pids without waking the worker, and the record of a 257th foreign process wakes it (the
  /// worker reads the records now, while that process is still there to be found elsewhere) instead of the pid
  /// being dropped and its record audited as unattributed. The kernel log is a datagram socket here (one record per
  /// read, as /dev/kmsg gives them) and the foreign processes are `sleep` children, in this test's cgroup.
  @Test(.enabled(if: KeeperProcessTests.built, "garrison-keeper is not built"))
  func moreForeignPidsThanOneArgumentHoldsWakeTheWorker() throws {
    try Self.scratch { dir in
      var sv: [Int32] = [0, 0]
      #expect(socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sv) == 0)
      _ = fcntl(sv[1], F_SETFL, O_NONBLOCK)
      var sleepers: [pid_t] = []
      defer {
        for pid in sleepers { kill(pid, SIGKILL) }
        for pid in sleepers { _ = try? Spawn.waitPID(pid) }
        close(sv[0])
      }
      for _ in 0..<257 { sleepers.append(try Spawn.start(["/bin/sleep", "60"])) }
      let p = try Kernel.pipe()
      let log = open(dir + "/0.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
      let worker = ["/bin/sh", "-c", "printf '%s\\n' \"$@\" > \(dir)/args", "sh"]
      let pid = try Spawn.start(
        [
          Self.keeper, "--worker", "/bin/sh", "--deadline-ms", "20000", "--kmsg-fd", "5", "--cgroup-parent",
          "/garrison/keeper-test-no-such-pod", "--log", "3,-1,4,-,-", "--",
        ] + worker,
        io: SpawnIO(stderr: 2, inherited: [p.read, log, sv[1]]))
      close(p.read)
      close(log)
      close(sv[1])
      defer { close(p.write) }
      func record(_ pid: pid_t) {
        var bytes = Array(
          "6,1234,5678,-;audit: type=1326 audit(1.2:3): auid=0 uid=0 gid=0 ses=1 pid=\(pid) comm=\"sleep\" syscall=272".utf8)
        _ = send(sv[0], &bytes, bytes.count, 0)
      }
      for s in sleepers.prefix(256) { record(s) }
      usleep(500_000)
      #expect(kill(pid, 0) == 0 && !FileManager.default.fileExists(atPath: dir + "/args"), "256 foreign pids woke the worker")
      let start = Date()
      record(sleepers[256])
      #expect(try Spawn.waitPID(pid) == .exited(0))
      #expect(Date().timeIntervalSince(start) < 10, "the 257th foreign pid did not wake the worker")
      let args = try String(contentsOfFile: dir + "/args", encoding: .utf8).split(separator: "\n").map(String.init)
      let k = try #require(args.firstIndex(of: "--seccomp-foreign"), "\(args)")
      #expect(KeeperReturn.pids(args[k + 1]) == Array(sleepers.prefix(256)))
    }
  }

  @Test(
    .enabled(if: KeeperProcessTests.built, "garrison-keeper is not built"),
    arguments: [
      ["--worker", "relative", "--", "x"], ["--worker", "/bin/sh"], ["--worker", "/bin/sh", "--log", "1,2,3,-,-", "--", "x"],
      ["--worker", "/bin/sh", "--log", "3,-1,99,-,-", "--", "x"], ["--worker", "/bin/sh", "--deadline-ms", "-5", "--", "x"],
      ["--worker", "/bin/sh", "--log", "3,-1,4,abc,-", "--", "x"], ["--bogus", "1", "--", "x"],
      ["--worker", "/bin/sh", "--pid", "0", "--", "x"], ["--worker", "/bin/sh", "--cgroup-parent", "garrison/x", "--", "x"],
      ["--worker", "/bin/sh", "--seccomp-claims", "claims/b", "--", "x"],
    ])
  func badArgumentsAreRefused(args: [String]) throws {
    let r = try Spawn.run([Self.keeper] + args)
    #expect(r.status == .exited(2), "\(r.output)")
    #expect(r.output.contains("bad arguments"), "\(r.output)")
  }

  @Test(arguments: [
    ["--resume", "--exited", "12"], ["--resume", "--exited", "0:0"], ["--resume", "--exited", "x:1"],
    ["--exited", "12:0"], ["--terminate"], ["--resume", "--resume"], ["--resume", "--kmsg-fd", "1"],
    ["--resume", "--log", "3,4"], ["--resume", "--log", "0,-1,5,-,-"], ["--resume", "--log", "-1,-1,9999,-,-"],
    ["--resume", "--log", "-1,-1,2,-,-"], ["--resume", "--log", "-1,-1,-1,zz,-"], ["--seccomp-foreign", "12"],
    ["--resume", "--seccomp-foreign", "12,x"], ["--resume", "--seccomp-foreign", "0"], ["--resume", "--seccomp-foreign", ""],
  ])
  func malformedResumeArgumentsAreUsageErrors(args: [String]) {
    do {
      _ = try SupervisorMain.run(arguments: args + ["--root", "/var/tmp/garrison-no-such-root", "--namespace", "default", "--name", "p"])
      Issue.record("accepted \(args)")
    } catch let e as GarrisonError {
      #expect(e.code == .usage, "\(e)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func resumeArgumentsParse() throws {
    let log = try #require(KeeperReturn.log("7,-1,9,6869,-"))
    #expect(log.stdout == 7 && log.stderr == -1 && log.log == 9 && log.stdoutPending == Array("hi".utf8) && log.stderrPending.isEmpty)
    #expect(KeeperReturn.hex(Array("hi".utf8)) == "6869" && KeeperReturn.hex([]) == "-")
    #expect(KeeperReturn.hex(KeeperReturn.hex([0, 255, 16])) == [0, 255, 16])
    let e = try #require(KeeperReturn.exit("1234:256"))
    #expect(e.pid == 1234 && ExitStatus(waitStatus: e.status) == .exited(1))
    #expect(KeeperReturn.pids("12,345") == [12, 345])
    #expect(KeeperReturn.pids(Array(repeating: "7", count: 257).joined(separator: ",")) == nil)
  }
}
