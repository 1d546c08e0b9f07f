import Foundation
import Testing
@testable import GarrisonSeccomp

/// Installs compiled programs in a real process: a tiny C helper (compiled here with `cc`) reads the BPF
/// blob, sets no_new_privs, calls seccomp(SECCOMP_SET_MODE_FILTER) and reports each probe's errno.
@Suite(.enabled(if: KernelProbe.available, KernelProbe.reason), .serialized)
struct SeccompKernelTests {
  static func run(_ caps: Set<String>, probes: [String]) throws -> [String: Int32] {
    let policy = try Fixtures.runtimeDefault().resolve(
      forCapabilities: caps, arch: .native, kernel: try KernelVersion.running())
    let program = try SeccompCompiler.compile(policy)
    return try KernelProbe.run(program, probes: probes)
  }

  @Test func withoutCapabilities() throws {
    let r = try Self.run(
      [],
      probes: [
        "getpid", "fork", "unshare-user", "mount", "keyctl", "clone3", "chroot", "clone-newuser",
        "socket-vsock", "bpf", "perf_event_open", "reboot-invalid",
      ])
    #expect(r["getpid"] == 0)
    #expect(r["fork"] == 0)
    #expect(r["unshare-user"] == EPERM)
    #expect(r["mount"] == EPERM)
    #expect(r["keyctl"] == EPERM)
    #expect(r["clone3"] == ENOSYS)
    #expect(r["chroot"] == EPERM)
    #expect(r["clone-newuser"] == EPERM)
    #expect(r["socket-vsock"] == EPERM)
    #expect(r["bpf"] == EPERM)
    #expect(r["perf_event_open"] == EPERM)
    #expect(r["reboot-invalid"] == EPERM)
  }

  @Test func defaultCapabilitiesAllowChrootOnly() throws {
    let r = try Self.run(Fixtures.containerdDefaultCaps, probes: ["chroot", "mount", "unshare-user"])
    #expect(r["chroot"] == 0)  // chroot("/") as root: harmless, and proves the filter let it through
    #expect(r["mount"] == EPERM)
    #expect(r["unshare-user"] == EPERM)
  }

  @Test func sysAdminReachesTheKernel() throws {
    // mount onto a missing directory: ENOENT from the kernel instead of EPERM from the filter.
    let r = try Self.run(["SYS_ADMIN"], probes: ["mount", "clone3"])
    #expect(r["mount"] == ENOENT)
    #expect(r["clone3"] != ENOSYS)
  }
}

/// Builds and runs the C probe.
enum KernelProbe {
  static let ccPath = ["/usr/bin/cc", "/usr/bin/gcc"].first { FileManager.default.isExecutableFile(atPath: $0) }
  static let seccompInKernel = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.contains("Seccomp_filters:") ?? false
  static var available: Bool { ccPath != nil && seccompInKernel }
  static var reason: Comment {
    ccPath == nil ? "no C compiler (cc) to build the seccomp probe" : "kernel without seccomp filter support"
  }

  static let source = #"""
    #define _GNU_SOURCE
    #include <errno.h>
    #include <linux/filter.h>
    #include <linux/seccomp.h>
    #include <sched.h>
    #include <signal.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/mount.h>
    #include <sys/prctl.h>
    #include <sys/socket.h>
    #include <sys/syscall.h>
    #include <sys/wait.h>
    #include <unistd.h>

    static long probe(const char *p) {
      if (!strcmp(p, "getpid")) return syscall(SYS_getpid) > 0 ? 0 : -1;
      if (!strcmp(p, "fork")) { pid_t c = fork(); if (c == 0) _exit(0); if (c < 0) return -1; waitpid(c, 0, 0); return 0; }
      if (!strcmp(p, "unshare-user")) return unshare(CLONE_NEWUSER);
      if (!strcmp(p, "mount")) return mount("none", "/garrison-missing-mountpoint", "tmpfs", 0, 0);
      if (!strcmp(p, "keyctl")) return syscall(SYS_keyctl, 0, 0, 0, 0, 0);
      if (!strcmp(p, "clone3")) return syscall(SYS_clone3, (void *)0, 0);
      if (!strcmp(p, "chroot")) return chroot("/");
      if (!strcmp(p, "clone-newuser")) {
        long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (c == 0) _exit(0);
        if (c > 0) { waitpid((pid_t)c, 0, 0); return 0; }
        return -1;
      }
      if (!strcmp(p, "socket-vsock")) { int s = socket(40, SOCK_STREAM, 0); if (s >= 0) close(s); return s < 0 ? -1 : 0; }
      if (!strcmp(p, "bpf")) return syscall(SYS_bpf, -1, 0, 0);
      if (!strcmp(p, "perf_event_open")) return syscall(SYS_perf_event_open, 0, 0, -1, -1, 0);
      if (!strcmp(p, "reboot-invalid")) return syscall(SYS_reboot, 0, 0, 0, 0);  /* bad magic: EINVAL if reached */
      errno = 0;
      return -2;
    }

    int main(int argc, char **argv) {
      if (argc < 3) return 2;
      FILE *f = fopen(argv[1], "rb");
      if (!f) { perror("fopen"); return 2; }
      static struct sock_filter buf[4096];
      size_t n = fread(buf, sizeof(struct sock_filter), 4096, f);
      fclose(f);
      struct sock_fprog prog = { .len = (unsigned short)n, .filter = buf };
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { perror("prctl"); return 3; }
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)strtoul(argv[2], 0, 0), &prog) != 0) { perror("seccomp"); return 4; }
      for (int i = 3; i < argc; i++) {
        errno = 0;
        long r = probe(argv[i]);
        printf("%s=%d\n", argv[i], r == -2 ? -1 : (r < 0 ? errno : 0));
      }
      return 0;
    }
    """#

  /// Compiles the helper into a fresh scratch directory under /var/tmp, runs it, and removes the directory.
  static func run(_ program: BPFProgram, probes: [String]) throws -> [String: Int32] {
    let dir = try Fixtures.scratchDirectory("probe")
    defer { try? FileManager.default.removeItem(atPath: dir) }  // test scratch dir cleanup
    try source.write(toFile: dir + "/probe.c", atomically: true, encoding: .utf8)
    let cc = try execute(ccPath!, ["-O1", "-o", dir + "/probe", dir + "/probe.c"])
    guard cc.status == 0 else { throw ProbeError(message: "cc failed with status \(cc.status): \(cc.output)") }
    try Data(program.bytes).write(to: URL(fileURLWithPath: dir + "/filter.bpf"))
    let (status, output) = try execute(dir + "/probe", [dir + "/filter.bpf", String(program.flagBits)] + probes)
    guard status == 0 else { throw ProbeError(message: "probe exited with \(status): \(output)") }
    var results: [String: Int32] = [:]
    for line in output.split(separator: "\n") {
      let kv = line.split(separator: "=")
      if kv.count == 2, let v = Int32(kv[1]) { results[String(kv[0])] = v }
    }
    return results
  }

  static func execute(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  struct ProbeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }
}
