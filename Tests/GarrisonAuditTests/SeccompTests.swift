import Foundation
import GarrisonCore
import GarrisonTestSupport
import Testing
import GarrisonSeccomp
@testable import GarrisonAudit
import GarrisonKernel

@Suite struct SeccompParserTests {
  // Captured on this machine (kernel 6.x) with the helper below, in the three forms the kernel log is read in.
  static let kmsg =
    #"4,1123,545055174,-;audit: type=1326 audit(1795734783.091:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7161 comm="audit-sc-helper" exe="/tmp/audit-sc-helper" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7fa86caa5829 code=0x7ffc0000"#
  static let dmesg =
    #"[  545.055174] audit: type=1326 audit(1795734783.091:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=7161 comm="audit-sc-helper" exe="/tmp/audit-sc-helper" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7fa86caa5829 code=0x7ffc0000"#
  // A SECCOMP_RET_ERRNO denial of mount(2) (165) with SECCOMP_FILTER_FLAG_LOG, and a kill from a 32-bit process.
  static let errno =
    #"4,2210,99887766,-;audit: type=1326 audit(1700000000.250:77): auid=1000 uid=1000 gid=1000 ses=3 subj=unconfined pid=4242 comm="mount" exe="/usr/bin/mount" sig=0 arch=c000003e syscall=165 compat=0 ip=0x7f3b2a1c9e2b code=0x50001"#
  static let kill =
    #"audit: type=1326 audit(1700000001.000:78): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=99 comm="x" exe="/x" sig=31 arch=40000003 syscall=11 compat=1 ip=0xf7f1 code=0x80000000"#

  @Test func parsesCapturedLines() throws {
    for line in [Self.kmsg, Self.dmesg] {
      let r = try #require(try SeccompAuditParser.parse(line))
      #expect(r.pid == 7161 && r.syscall == 110 && r.syscallName == "getppid" && r.action == "log")
      #expect(r.comm == "audit-sc-helper" && r.exe == "/tmp/audit-sc-helper" && r.uid == 0)
      #expect(r.time == AuditTime(seconds: 1_795_734_783, nanoseconds: 91_000_000))
    }
    let e = try #require(try SeccompAuditParser.parse(Self.errno))
    #expect(e.syscallName == "mount" && e.action == "errno" && e.pid == 4242)
    let k = try #require(try SeccompAuditParser.parse(Self.kill))
    // i386's syscall 11 is execve: the name comes from libseccomp's table for the record's own architecture.
    #expect(k.syscallName == "execve" && k.action == "kill_process" && k.arch == "40000003")
    var unknown = k
    unknown.arch = "12345678"
    #expect(unknown.syscallName == "syscall_11")
  }

  @Test func ignoresOtherRecordsAndRejectsBrokenOnes() throws {
    #expect(try SeccompAuditParser.parse("6,1,2,-;EXT4-fs (vda): mounted filesystem") == nil)
    #expect(try SeccompAuditParser.parse(#"audit: type=1400 audit(1.2:3): apparmor="DENIED""#) == nil)
    #expect(throws: GarrisonError.self) { try SeccompAuditParser.parse("audit: type=1326 audit(1.2:3): comm=\"x\"") }
  }

  @Test func syscallNamesComeFromLibseccomp() {
    let x86_64 = SeccompArch.x86_64.token
    #expect(SyscallTable.name(of: 0, auditArch: x86_64) == "read" && SyscallTable.name(of: 59, auditArch: x86_64) == "execve")
    #expect(SyscallTable.name(of: 435, auditArch: x86_64) == "clone3" && SyscallTable.name(of: 100_000, auditArch: x86_64) == nil)
  }

  @Test func aggregatesPerContainerWithinWindow() throws {
    var agg = SeccompDenialAggregator(window: 10)
    let r = try #require(try SeccompAuditParser.parse(Self.errno))
    let a = AuditObject(namespace: "ns", pod: "a", container: "c"), b = AuditObject(namespace: "ns", pod: "b", container: "c")
    let t0 = AuditTime(seconds: 1000)
    for i in 0..<5 { var x = r; x.pid = 4242 + Int32(i % 2); agg.add(x, at: t0.adding(seconds: Int64(i))) { _ in a } }
    agg.add(r, at: t0.adding(seconds: 1)) { _ in b }
    agg.add(r, at: t0.adding(seconds: 1)) { _ in nil }
    #expect(agg.flush(now: t0.adding(seconds: 5)).isEmpty)
    let events = agg.flush(now: t0.adding(seconds: 11))
    #expect(events.count == 3)
    let ea = try #require(events.first { $0.object == a })
    #expect(ea.kind == .seccompDenied && ea.outcome == .denied)
    #expect(ea.details["count"]?.intValue == 5 && ea.details["syscall"]?.stringValue == "mount")
    #expect(ea.details["pids"] == [4242, 4243])
    #expect(ea.details["first_seen"]?.stringValue == t0.description)
    #expect(agg.unattributed == 1)
    #expect(agg.flush(now: t0.adding(seconds: 100), force: true).isEmpty)
  }
}

/// The real route: a child installs a SECCOMP_RET_LOG filter, calls getppid(2), and the kernel's type=1326
/// record appears in /dev/kmsg, where KmsgReader and the parser find it by pid.
@Suite struct SeccompKmsgTests {
  static let helperSource = #"""
    #include <linux/filter.h>
    #include <linux/seccomp.h>
    #include <stddef.h>
    #include <stdio.h>
    #include <sys/prctl.h>
    #include <sys/syscall.h>
    #include <unistd.h>
    int main(void) {
      struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      };
      struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { perror("no_new_privs"); return 2; }
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog) != 0) { perror("seccomp"); return 3; }
      syscall(SYS_getppid);
      printf("%d\n", (int)getpid());
      return 0;
    }
    """#

  @Test(
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cc"), "no C compiler at /usr/bin/cc to build the seccomp helper"),
    .enabled(if: access("/dev/kmsg", R_OK) == 0, "/dev/kmsg is not readable (needs CAP_SYSLOG or dmesg_restrict=0)"))
  func kernelRecordAppearsInKmsg() throws {
    let dir = TestSupport.scratch("kmsg")
    defer { TestSupport.cleanup(dir) }
    try Self.helperSource.write(toFile: dir + "/helper.c", atomically: true, encoding: .utf8)
    let cc = try TestProcess.run("/usr/bin/cc", ["-O2", "-o", dir + "/helper", dir + "/helper.c"]).status
    #expect(cc == 0)
    let reader = try KmsgReader()
    let helper = try TestProcess.run(dir + "/helper", [])
    let (status, out) = (helper.status, helper.stdout)
    #expect(status == 0)
    let pid = try #require(Int32(out.trimmingCharacters(in: .whitespacesAndNewlines)))
    var found: SeccompAuditRecord?
    for _ in 0..<40 where found == nil {
      for line in try reader.readAvailable() {
        if let r = try SeccompAuditParser.parse(line), r.pid == pid { found = r }
      }
      if found == nil { usleep(50_000) }
    }
    let logged = (try? String(contentsOfFile: "/proc/sys/kernel/seccomp/actions_logged", encoding: .utf8)) ?? "?"
    let record = try #require(
      found,
      "the kernel emitted no type=1326 record for pid \(pid) within 2 s (actions_logged: \(logged); an audit daemon may be consuming records)"
    )
    #expect(record.syscallName == "getppid" && record.action == "log")
    var agg = SeccompDenialAggregator()
    let object = AuditObject(namespace: "test", pod: "helper", container: "c")
    agg.add(record) { $0 == pid ? object : nil }
    let events = agg.flush(force: true)
    #expect(events.count == 1 && events[0].object == object && events[0].details["syscall"]?.stringValue == "getppid")
  }
}
