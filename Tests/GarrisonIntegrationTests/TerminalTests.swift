import CGarrisonLinux
import Foundation
import GarrisonOCI
import GarrisonRuntime
import Glibc
import GarrisonTestSupport
import Testing

/// `process.terminal` with `--console-socket`: the pty master reaches the caller, the container process has
/// the slave as controlling terminal and stdio, and its confinement is unchanged.
@Suite(.serialized) struct TerminalTests {
  static let probe =
    "tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty; stty size; "
    + "ls -1 /dev/pts; grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):' /proc/self/status; echo waiting; read x; echo got-$x"

  func bundle() throws -> Harness.Bundle {
    let b = try Harness.Bundle()
    for applet in ["tty", "stty"] {
      try FileManager.default.createSymbolicLink(atPath: "\(b.rootfs)/bin/\(applet)", withDestinationPath: "busybox")
    }
    return b
  }

  @Test(Harness.containers) func createWithConsoleSocketHandsOverThePtyMaster() throws {
    let b = try bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sh", "-c", Self.probe])
    spec.process!.terminal = true
    spec.process!.consoleSize = .init(height: 40, width: 120)
    spec.linux!.seccomp = RuntimeSpecFixtures.runtimeDefaultLike
    try b.write(spec)
    let id = "it-tty-\(UUID().uuidString.prefix(8))"
    guard let master = try ConsoleServer.createAndStart(b, id: id) else { return }
    defer { close(master) }
    let before = ConsoleServer.read(master, until: "waiting")
    // Confinement read back from the host by `start` (attestation) is what the plan says.
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(b.stateRoot)/\(id)/attestation.json"))
    let report = try JSONDecoder().decode(AttestationReport.self, from: data)
    #expect(report.passed && !report.exitedEarly, "\(report.mismatches)")
    #expect(report.uids == [0, 0, 0, 0])
    #expect(report.capabilities.effective == 0x2000_0420 && report.noNewPrivs == 1 && report.seccompMode == 2)
    ConsoleServer.write(master, "hello\n")
    let after = ConsoleServer.read(master, until: "got-hello")
    let lines = before.split(separator: "\n").map(String.init)
    #expect(lines.contains("/dev/pts/0"), "output: \(before)")
    #expect(lines.contains("stdin-is-tty") && lines.contains("stdout-is-tty"), "output: \(before)")
    #expect(lines.contains("40 120"), "consoleSize not applied: \(before)")
    #expect(Harness.field(before, "CapEff") == "0000000020000420" && Harness.field(before, "Seccomp") == "2")
    #expect(Harness.field(before, "NoNewPrivs") == "1")
    #expect(after.contains("got-hello"), "input did not reach the container: \(after)")
  }

  @Test(Harness.containers) func execWithTtyJoinsTheContainersDevpts() throws {
    let b = try bundle()
    defer { b.cleanup() }
    var spec = RuntimeSpecFixtures.restricted(["/bin/sleep", "30"])
    spec.linux!.seccomp = RuntimeSpecFixtures.runtimeDefaultLike
    try b.write(spec)
    let id = "it-ttyx-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let run = try b.oci(["run", "--detach", "--bundle", b.dir, id])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    guard run.status == 0 else { return }
    let server = try ConsoleServer(path: b.dir + "/exec.sock")
    let pidFile = b.dir + "/exec.pid"
    let exec = try b.oci([
      "exec", "--tty", "--console-socket", server.path, "--detach", "--pid-file", pidFile, id,
      "/bin/sh", "-c", Self.probe,
    ])
    #expect(exec.status == 0, "stderr: \(exec.stderr)")
    guard exec.status == 0 else { return }
    let (name, master) = try server.receiveMaster()
    defer { close(master) }
    #expect(name == "/dev/pts/0")
    let pid = try String(contentsOfFile: pidFile, encoding: .utf8)
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)  // read from the host
    #expect(Harness.field(status, "Uid") == "1000\t1000\t1000\t1000")
    #expect(Harness.field(status, "CapEff") == "0000000000000000" && Harness.field(status, "Seccomp") == "2")
    let out = ConsoleServer.read(master, until: "waiting")
    ConsoleServer.write(master, "again\n")
    let after = ConsoleServer.read(master, until: "got-again")
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines.contains("/dev/pts/0") && lines.contains("stdin-is-tty"), "output: \(out)")
    #expect(lines.contains("0") && lines.contains("ptmx"), "the exec'd pty is not in the container's devpts: \(out)")
    #expect(Harness.field(out, "Uid") == "1000\t1000\t1000\t1000")
    #expect(after.contains("got-again"), "output: \(after)")
  }

  @Test(Harness.containers) func foregroundRunWithoutConsoleSocketProxiesThePty() throws {
    let b = try bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sh", "-c", "tty; test -t 1 && echo stdout-is-tty; exit 7"])
    spec.process!.terminal = true
    let r = try b.run(spec)  // stdin /dev/null, stdout a file: the runtime copies the pty output to it
    #expect(r.status == 7, "stderr: \(r.stderr)")
    let lines = r.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init)
    #expect(lines.contains("/dev/pts/0") && lines.contains("stdout-is-tty"), "stdout: \(r.stdout)")
  }

  /// A foreground `run` whose stdin is a terminal gives the container's pty that terminal's size, and the new
  /// size after a SIGWINCH (the container sees it with `stty size`; SIGWINCH itself is not forwarded).
  @Test(Harness.containers) func foregroundRunFollowsTheTerminalSize() throws {
    let b = try bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/sh", "-c", "stty size; read x; stty size"])
    spec.process!.terminal = true
    try b.write(spec)
    let id = "it-winch-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    // Our own pty: garrison-oci's stdio is its slave, we hold the master.
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
    var number: UInt32 = 0
    #expect(master >= 0 && gr_pty_unlock(master) == 0 && gr_pty_number(master, &number) == 0)
    defer { close(master) }
    let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
    #expect(slave >= 0)
    #expect(gr_set_winsize(slave, 24, 80) == 0)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for target in Int32(0)...2 { posix_spawn_file_actions_adddup2(&actions, slave, target) }
    let args = [Harness.ociBinary, "--root", b.stateRoot, "run", "--bundle", b.dir, id]
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    #expect(posix_spawn(&pid, Harness.ociBinary, &actions, nil, argv, environ) == 0)
    close(slave)
    var output = ""
    func readUntil(_ text: String, seconds: Double) {
      let deadline = Date().addingTimeInterval(seconds)
      var buffer = [UInt8](repeating: 0, count: 4096)
      while !output.contains(text) && Date() < deadline {
        var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 1, 200) > 0 else { continue }
        let n = read(master, &buffer, buffer.count)
        if n <= 0 { return }
        output += String(decoding: buffer[0..<n], as: UTF8.self)
      }
    }
    readUntil("24 80", seconds: 20)
    #expect(output.contains("24 80"), "first size: \(output)")
    #expect(gr_set_winsize(master, 40, 100) == 0)
    #expect(kill(pid, SIGWINCH) == 0)
    usleep(200_000)  // the handler runs before the container reads its next line
    _ = "go\n".withCString { write(master, $0, 3) }
    readUntil("40 100", seconds: 20)
    #expect(output.contains("40 100"), "size after SIGWINCH: \(output)")
    var status: Int32 = 0
    #expect(waitpid(pid, &status, 0) == pid)
    #expect(status == 0, "exit status \(status); output: \(output)")
  }

  @Test(Harness.containers) func detachedTerminalWithoutConsoleSocketIsRefusedAndLeavesNothing() throws {
    let b = try bundle()
    defer { b.cleanup() }
    var spec = DefaultSpec.make(args: ["/bin/true"])
    spec.process!.terminal = true
    let id = "it-ttyno-\(UUID().uuidString.prefix(8))"
    try b.write(spec)
    for args in [["run", "--detach"], ["create"]] {
      let r = try b.oci(args + ["--bundle", b.dir, id])
      #expect(r.status == 2)
      #expect(r.stderr.contains("process.terminal") && r.stderr.contains("--console-socket"), "stderr: \(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: "\(b.stateRoot)/\(id)"))
    }
    spec.process!.terminal = false
    try b.write(spec)
    let r2 = try b.oci(["run", "--console-socket", b.dir + "/none.sock", "--bundle", b.dir, id])
    #expect(r2.status == 2 && r2.stderr.contains("process.terminal is false"), "stderr: \(r2.stderr)")
  }
}
