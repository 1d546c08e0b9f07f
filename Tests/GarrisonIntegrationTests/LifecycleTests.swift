import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing
import GarrisonKernel

/// create / start / state / exec / ps / kill / delete through the runc command line.
@Suite(.serialized) struct LifecycleTests {
  struct StateJSON: Decodable {
    var status: String
    var pid: Int32?
  }

  func state(_ b: Harness.Bundle, _ id: String) throws -> StateJSON? {
    let r = try b.oci(["state", id])
    guard r.status == 0 else { return nil }
    return try JSONDecoder().decode(StateJSON.self, from: Data(r.stdout.utf8))
  }

  @Test(Harness.containers) func createStartExecKillDelete() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/sleep", "60"]))
    let id = "it-life"
    b.ids.append(id)
    let created = try b.oci(["create", "--bundle", b.dir, "--pid-file", b.dir + "/pid", id])
    #expect(created.status == 0, "\(created.stderr)")
    let s1 = try state(b, id)
    #expect(s1?.status == "created")
    let pidText = try String(contentsOfFile: b.dir + "/pid", encoding: .utf8)
    #expect(Int32(pidText) == s1?.pid)
    // Created but not started: the init is waiting, already confined except for execve.
    #expect(try b.oci(["start", id]).status == 0)
    #expect(try state(b, id)?.status == "running")
    let ps = try b.oci(["ps", "--format", "json", id])
    #expect(ps.stdout.contains(String(s1?.pid ?? -1)))
    // exec runs with the container's credentials, never more.
    let ex = try b.oci(["exec", id, "/bin/sh", "-c", "grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):' /proc/self/status"])
    #expect(ex.status == 0, "\(ex.stderr)")
    #expect(Harness.field(ex.stdout, "Uid") == "1000\t1000\t1000\t1000")
    #expect(Harness.field(ex.stdout, "CapEff") == "0000000000000000")
    #expect(Harness.field(ex.stdout, "NoNewPrivs") == "1")
    #expect(Harness.field(ex.stdout, "Seccomp") == "2")
    // exec joined the container's namespaces and root: same hostname, same pid 1, same rootfs.
    let ns = try b.oci(["exec", id, "/bin/sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; ls /"])
    #expect(ns.status == 0, "\(ns.stderr)")
    #expect(ns.stdout.hasPrefix("garrison\n/bin/sleep 60 bin\ndev\n"), "\(ns.stdout)")
    #expect(!ns.stdout.contains("garrison-it-"), "\(ns.stdout)")
    // Running containers are not deleted without --force.
    #expect(try b.oci(["delete", id]).status != 0)
    #expect(try b.oci(["kill", id, "KILL"]).status == 0)
    var stopped = false
    for _ in 0..<100 where !stopped {
      stopped = try state(b, id)?.status == "stopped"
      if !stopped { usleep(20_000) }
    }
    #expect(stopped)
    #expect(try b.oci(["delete", id]).status == 0)
    #expect(try b.oci(["state", id]).status != 0)
    #expect(!FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/garrison-oci-\(id)"))
  }

  @Test(Harness.containers) func execCannotAddCapabilitiesOrChangeUser() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/sleep", "60"]))
    let id = "it-exec-refuse"
    b.ids.append(id)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, id]).status == 0)
    var process = RuntimeSpecFixtures.restricted(["/bin/id"]).process!
    process.user = .init(uid: 0, gid: 0)
    try JSONEncoder().encode(process).write(to: URL(fileURLWithPath: b.dir + "/p1.json"))
    let asRoot = try b.oci(["exec", "--process", b.dir + "/p1.json", id])
    #expect(asRoot.status == 3 && asRoot.stderr.contains("process.user"), "\(asRoot.stderr)")
    process.user = .init(uid: 1000, gid: 1000, additionalGids: [1001])
    process.capabilities = .init(bounding: ["CAP_SYS_ADMIN"], effective: [], inheritable: [], permitted: [], ambient: [])
    try JSONEncoder().encode(process).write(to: URL(fileURLWithPath: b.dir + "/p2.json"))
    let moreCaps = try b.oci(["exec", "--process", b.dir + "/p2.json", id])
    #expect(moreCaps.status == 3 && moreCaps.stderr.contains("CAP_SYS_ADMIN"), "\(moreCaps.stderr)")
    process.capabilities = .init(bounding: [], effective: [], inheritable: [], permitted: [], ambient: [])
    process.rlimits = [.init(type: "RLIMIT_NOFILE", soft: 4096, hard: 4096)]
    try JSONEncoder().encode(process).write(to: URL(fileURLWithPath: b.dir + "/p3.json"))
    let moreFiles = try b.oci(["exec", "--process", b.dir + "/p3.json", id])
    #expect(moreFiles.status == 3 && moreFiles.stderr.contains("RLIMIT_NOFILE"), "\(moreFiles.stderr)")
    process.rlimits = [.init(type: "RLIMIT_NOFILE", soft: 64, hard: 128)]
    process.args = ["/bin/sh", "-c", "ulimit -H -n"]
    try JSONEncoder().encode(process).write(to: URL(fileURLWithPath: b.dir + "/p4.json"))
    let fewerFiles = try b.oci(["exec", "--process", b.dir + "/p4.json", id])
    #expect(fewerFiles.status == 0 && fewerFiles.stdout == "128\n", "\(fewerFiles.stdout) \(fewerFiles.stderr)")
  }

  @Test(Harness.containers) func killAllReachesExecedProcessesAndDeleteLeavesNothing() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/sleep", "60"]))
    let id = "it-killall"
    b.ids.append(id)
    #expect(try b.oci(["run", "--detach", "--bundle", b.dir, id]).status == 0)
    let ex = try b.oci(["exec", "--detach", "--pid-file", b.dir + "/exec.pid", id, "/bin/sleep", "60"])
    #expect(ex.status == 0, "\(ex.stderr)")
    let execPid = Int32((try? String(contentsOfFile: b.dir + "/exec.pid", encoding: .utf8)) ?? "") ?? -1
    let ps = try b.oci(["ps", "--format", "json", id])
    #expect(ps.stdout.contains(String(execPid)), "exec'd pid \(execPid) not in \(ps.stdout)")
    #expect(!Harness.processes(rootedIn: b.dir).isEmpty, "the leftover-process probe must see a live container")
    #expect(try b.oci(["kill", "--all", id, "9"]).status == 0)
    var gone = false
    for _ in 0..<200 where !gone {
      gone = ProcessProbe.stat(execPid).map { $0.state == "Z" } ?? true
      if !gone { usleep(10_000) }
    }
    #expect(gone, "exec'd process survived kill --all")
    #expect(try b.oci(["delete", "--force", id]).status == 0)
    #expect(!FileManager.default.fileExists(atPath: "\(b.stateRoot)/\(id)"))
    #expect(Harness.hostMounts(mentioning: b.dir).isEmpty)
    #expect(Harness.processes(rootedIn: b.dir).isEmpty)
  }

  @Test(Harness.containers) func runForwardsSIGTERMToTheContainer() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    try b.write(RuntimeSpecFixtures.restricted(["/bin/sh", "-c", "trap 'exit 42' TERM; echo up; while true; do sleep 0.1; done"]))
    b.ids.append("it-sig")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Harness.ociBinary)
    p.arguments = ["--root", b.stateRoot, "run", "--bundle", b.dir, "it-sig"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    var running = false
    for _ in 0..<200 where !running {
      running = (try? state(b, "it-sig"))??.status == "running"
      if !running { usleep(10_000) }
    }
    #expect(running)
    usleep(200_000)  // let the shell install its trap
    kill(p.processIdentifier, SIGTERM)
    for _ in 0..<500 where p.isRunning { usleep(10_000) }
    if p.isRunning {  // never hang the suite: kill our own runtime process and its container
      Issue.record("SIGTERM was not forwarded within 5 s")
      _ = try? b.oci(["kill", "it-sig", "KILL"])
      kill(p.processIdentifier, SIGKILL)
    }
    p.waitUntilExit()
    #expect(p.terminationStatus == 42)
  }

  @Test(Harness.containers, arguments: [3, 4, 5, 6, 7]) func cwdThroughInheritedDescriptorsIsRefused(_ fd: Int) throws {
    // CVE-2024-21626: a working directory reached through an fd the runtime leaked would sit outside the
    // container. Every init descriptor is closed or not a directory by the time of chdir.
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    var spec = RuntimeSpecFixtures.restricted(["/bin/sh", "-c", "ls .. | tr '\\n' ' '"])
    spec.process!.cwd = "/proc/self/fd/\(fd)"
    let r = try b.run(spec)
    #expect(r.status != 0 && r.stderr.contains("chdir to cwd"), "status \(r.status) out \(r.stdout) err \(r.stderr)")
  }
}
