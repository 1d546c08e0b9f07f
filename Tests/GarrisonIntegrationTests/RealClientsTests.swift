import Foundation
import GarrisonRuntime
import GarrisonTestSupport
import Testing

/// Real OCI clients from Debian drive garrison-oci: a private containerd with the io.containerd.runc.v2 shim
/// (`ctr run --runc-binary`, `ctr task exec`, kill, rm) and podman with conmon (`podman --runtime`, run, exec,
/// rm). The work is done by scripts/clients-test.sh; this test runs it once per client with the debug
/// garrison-oci, requires its `PASS` line, and checks it left no scratch directory, mount, cgroup or process.
@Suite(.serialized) struct RealClientsTests {
  static let script = "\(BuiltProducts.repositoryRoot)/scripts/clients-test.sh"
  static let binaries = ["containerd": ["containerd", "ctr", "containerd-shim-runc-v2"], "podman": ["podman", "conmon"]]

  /// Why `client` cannot be exercised here, or nil.
  static func skipReason(_ client: String) -> String? {
    if let reason = Harness.skipReason { return reason }
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/usr/bin:/sbin:/bin"
    let dirs = path.split(separator: ":").map(String.init)
    let missing = binaries[client, default: []].filter { name in
      !dirs.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }
    return missing.isEmpty ? nil : "\(missing.joined(separator: ", ")) not installed (scripts/setup.sh installs them)"
  }

  /// Skips a client's test, with the reason, where that client cannot run.
  static func available(_ client: String) -> ConditionTrait {
    .enabled(if: skipReason(client) == nil, Comment(rawValue: skipReason(client) ?? ""))
  }

  @Test(RealClientsTests.available("containerd")) func containerdRunsContainersThroughGarrisonOCI() throws {
    try clientRunsContainersThroughGarrisonOCI("containerd")
  }

  @Test(RealClientsTests.available("podman")) func podmanRunsContainersThroughGarrisonOCI() throws {
    try clientRunsContainersThroughGarrisonOCI("podman")
  }

  func clientRunsContainersThroughGarrisonOCI(_ client: String) throws {
    // Host directories the clients create whatever their options (containerd's shim socket directory, podman's
    // network run directory and image-copy cache): the script removes them again when it created them.
    let hostDirs = ["/run/containerd", "/run/containers", "/var/lib/containers"]
    let absentBefore = hostDirs.filter { !FileManager.default.fileExists(atPath: $0) }
    let r = try TestProcess.run("/bin/bash", [Self.script, Harness.ociBinary, client])
    print(r.stdout + r.stderr)
    #expect(r.status == 0, "clients-test.sh \(client) exited \(r.status)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains("PASS \(client)"), "no PASS line for \(client)")
    #expect(!lines.contains { $0.hasPrefix("FAIL") || $0.hasPrefix("SKIP") })
    // The probe's lines were seen through the client, from a confined process, for run and exec alike.
    let via = client == "containerd" ? ["ctr run", "ctr task exec"] : ["podman run", "podman exec"]
    for what in via {
      #expect(lines.contains("    \(what): NoNewPrivs:\t1"), "\(what): NoNewPrivs")
      #expect(lines.contains("    \(what): Seccomp:\t2"), "\(what): Seccomp")
    }

    // Nothing left behind: the scratch directory, mounts or processes naming it, the cgroup parent.
    guard let header = lines.first(where: { $0.hasPrefix("scratch ") }) else {
      Issue.record("the script did not name its scratch directory")
      return
    }
    let scratch = String(header.split(separator: " ")[1])
    #expect(scratch.hasPrefix("/var/tmp/garrison-clients."))
    #expect(!FileManager.default.fileExists(atPath: scratch), "\(scratch) left behind")
    #expect(Harness.hostMounts(mentioning: scratch).isEmpty, "mounts left: \(Harness.hostMounts(mentioning: scratch))")
    let leftovers = Self.processes(mentioning: scratch)
    #expect(leftovers.isEmpty, "processes left (containerd, shim, conmon or container): \(leftovers)")
    for dir in absentBefore {
      #expect(!FileManager.default.fileExists(atPath: dir), "\(dir) created by the run and left behind")
    }
    let cgroupParent = "garrison-clients-" + scratch.split(separator: ".").last!
    let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
    for h in hierarchies {
      let dir = "/sys/fs/cgroup/\(h)/\(cgroupParent)"
      #expect(!FileManager.default.fileExists(atPath: dir), "cgroup \(dir) left behind")
    }
  }

  /// The runc behaviours the clients rely on, checked without them: the shim's and podman's second
  /// `delete --force` of a gone container succeeds; `kill` of an exited container fails with runc's "container
  /// not running" (the shim maps it to "process already finished"); `--no-new-keyring` and `--preserve-fds 0`
  /// are accepted, `--preserve-fds 1` without an open fd 3 is refused naming it (PreservedFDsTests pass real
  /// ones); `--version` has runc's first line.
  @Test(Harness.containers) func runcBehavioursTheClientsRelyOn() throws {
    let b = try Harness.Bundle()
    defer { b.cleanup() }
    #expect(try b.oci(["delete", "--force", "never-created"]).status == 0)
    let plain = try b.oci(["delete", "never-created"])
    #expect(plain.status == 2 && plain.stderr.contains("does not exist"), "\(plain.stderr)")

    try b.write(DefaultSpec.make(args: ["/bin/true"]))
    let refused = try TestProcess.run(
      "/bin/sh",
      [
        "-c",
        "exec 3<&-; exec '\(Harness.ociBinary)' --root '\(b.stateRoot)' "
          + "create --preserve-fds 1 --bundle '\(b.dir)' compat-fds",
      ])
    #expect(refused.status == 2 && refused.stderr.contains("--preserve-fds 1: descriptor 3 is not open"), "\(refused.stderr)")
    #expect(try b.oci(["state", "compat-fds"]).status == 2, "a refused create leaves no state")

    let id = "compat-\(UUID().uuidString.prefix(8))"
    b.ids.append(id)
    let pidFile = b.dir + "/compat.pid"
    let created = try b.oci([
      "create", "--no-new-keyring", "--preserve-fds", "0", "--pid-file", pidFile,
      "--bundle", b.dir, id,
    ])
    #expect(created.status == 0, "\(created.stderr)")
    #expect(Int32((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "") ?? 0 > 0, "pid file written by create")
    #expect(try b.oci(["start", id]).status == 0)
    var stopped = false
    for _ in 0..<200 where !stopped {
      stopped = try b.oci(["state", id]).stdout.contains("\"stopped\"")
      if !stopped { usleep(20_000) }
    }
    #expect(stopped, "/bin/true exited")
    let kill = try b.oci(["kill", id, "KILL"])
    #expect(kill.status != 0 && kill.stderr.contains("container not running"), "\(kill.stderr)")
    #expect(try b.oci(["delete", id]).status == 0)
    #expect(try b.oci(["delete", "--force", id]).status == 0, "deleting again with --force succeeds")

    let version = try TestProcess.run(Harness.ociBinary, ["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("garrison-oci version "), "\(version.stdout)")
  }

  /// Live processes whose command line names `path` (the daemon, shims and conmon of one script run).
  static func processes(mentioning path: String) -> [String] {
    let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int32($0) != nil }
    return pids.compactMap { pid -> String? in
      guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
      let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
      return cmd.contains(path) ? "\(pid): \(cmd)" : nil
    }
  }
}
