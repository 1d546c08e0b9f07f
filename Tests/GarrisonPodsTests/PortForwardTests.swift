import Foundation
import GarrisonAudit
import GarrisonPods
import Testing

/// `garrison port-forward` (issue 17): local connections reach a port on the loopback of a `--network none`
/// pod, many at once, intact and with clean half-close; the forward ends when the pod goes away; it is audited.
@Suite(
  .serialized,
  .enabled(
    if: Host.canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"),
    "needs root, crun, busybox-static, the garrison executable, /usr/bin/python3 and gcc"))
struct PortForwardTests {
  /// 50 concurrent connections each send 1 MiB, half-close, and must read the same bytes back (an echo server).
  static let client = #"""
    import hashlib, os, socket, sys, threading
    port, count, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    ok = []
    def one(i):
        data = os.urandom(size)
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        def send():
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        t = threading.Thread(target=send); t.start()
        got = bytearray()
        while True:
            chunk = s.recv(1 << 16)
            if not chunk: break
            got += chunk
        t.join(); s.close()
        if hashlib.sha256(got).digest() == hashlib.sha256(data).digest(): ok.append(i)
        else: print("connection", i, "got", len(got), "bytes", flush=True)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("intact", len(ok), flush=True)
    """#

  /// The pod's echo server: a process per connection, and a listen backlog for 50 connections at once. busybox's
  /// `nc -ll -e cat` listens with a backlog of 2: under load the pod's kernel overflowed it, answered with SYN
  /// cookies and reset a connection the relay had already opened (ListenOverflows 41, SyncookiesSent 11,
  /// OutRsts 1 in the pod's network namespace), which the test read as a relay that lost a connection's bytes.
  static let echoServer = """
    #include <arpa/inet.h>
    #include <signal.h>
    #include <sys/socket.h>
    #include <unistd.h>
    int main(void) {
      signal(SIGCHLD, SIG_IGN);
      int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9000), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 128) != 0) return 1;
      for (;;) {
        int c = accept(s, 0, 0);
        if (c < 0) continue;
        if (fork() == 0) {
          close(s);
          static char buf[65536];
          ssize_t n;
          while ((n = read(c, buf, sizeof buf)) > 0)
            for (ssize_t o = 0; o < n;) {
              ssize_t w = write(c, buf + o, n - o);
              if (w <= 0) _exit(1);
              o += w;
            }
          shutdown(c, SHUT_WR);
          _exit(0);
        }
        close(c);
      }
    }
    """

  @Test func relaysManyConnectionsIntactAndEndsWithThePod() throws {
    try withScratch { s in
      let src = s.dir + "/echo.c"
      try Self.echoServer.write(toFile: src, atomically: true, encoding: .utf8)
      let cc = try Spawn.run(["/usr/bin/gcc", "-O2", "-static", "-o", s.rootfs + "/bin/echo-server", src])
      try #require(cc.status == .exited(0), "\(cc.output)")
      let r = try s.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: echo}
        spec:
          containers: [{name: main, command: ["/bin/echo-server"]}]
        """)
      #expect(r.succeeded, "\(r.output)")
      _ = try s.wait("echo") { $0.status.container("main")?.state.kind == .running }
      let out = s.dir + "/port-forward.out"
      let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      let pid = try Spawn.start(
        [Host.garrison, "port-forward", "--root", s.root, "pod/echo", ":9000"],
        io: SpawnIO(stdout: fd, stderr: fd))
      close(fd)
      var reaped = false
      defer { if !reaped { kill(pid, SIGKILL); _ = try? Spawn.waitPID(pid) } }
      var port: Int?
      for _ in 0..<100 where port == nil {
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Forwarding from 127.0.0.1:") }) {
          port = Int(line.dropFirst("Forwarding from 127.0.0.1:".count).split(separator: " ")[0])
        }
        usleep(100_000)
      }
      let local = try #require(port, "no Forwarding line: \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")")
      let result = try Spawn.run(["/usr/bin/python3", "-c", Self.client, String(local), "50", String(1 << 20)])
      #expect(result.output.contains("intact 50"), "\(result.output)")
      // The pod goes away: the forward says so and exits non-zero.
      try s.manager.delete("default", "echo", grace: 1)
      var status: GarrisonPods.ExitStatus?
      for _ in 0..<100 where status == nil {
        var st: Int32 = 0
        if waitpid(pid, &st, WNOHANG) == pid { status = GarrisonPods.ExitStatus(waitStatus: st) }
        usleep(100_000)
      }
      reaped = status != nil
      #expect(status != nil && status != .exited(0), "port-forward did not end with the pod")
      let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
      #expect(text.contains("lost connection to pod"), "\(text)")
      let records = try AuditReader.readAll(directory: AuditPaths.directory(root: s.root))
      #expect(records.contains { $0.kind == .portForwardOpened })
      let closed = try #require(records.last { $0.kind == .portForwardClosed })
      #expect(closed.details["connections"]?.intValue == 50)
      #expect((closed.details["bytes_to_pod"]?.intValue ?? 0) == 50 << 20)
      #expect((closed.details["bytes_from_pod"]?.intValue ?? 0) == 50 << 20)
    }
  }

  @Test(arguments: ["0", "70000", "a:b", "1:2:3", "-1"])
  func badPortsAreUsageErrors(spec: String) {
    #expect(throws: (any Error).self) { try PortForward.Mapping(parsing: spec) }
  }

  @Test func portMappingsParseAsKubectls() throws {
    #expect(try PortForward.Mapping(parsing: "8080:80") == .init(parsing: "8080:80"))
    let same = try PortForward.Mapping(parsing: "5000")
    #expect(same.local == 5000 && same.remote == 5000)
    let free = try PortForward.Mapping(parsing: ":80")
    #expect(free.local == 0 && free.remote == 80)
  }
}
