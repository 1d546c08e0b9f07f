import Foundation
import GarrisonOCI
import GarrisonRuntime
import GarrisonTestSupport
import Testing
import GarrisonKernel

/// OCI hooks through the runc command line: each kind runs at its moment of the lifecycle, in its namespace, with
/// the state on stdin; failures stop the container and leave nothing behind; poststop failures are warnings; every
/// run is audited. Hooks are shell scripts in the scratch bundle; what they see goes to `<bundle>/out`, which the
/// container gets bind-mounted at /out.
@Suite(.serialized) struct HookTests {
  /// A runtime-namespace (host) hook: records `key=value` lines of what it sees into `out/<name>.txt` and appends
  /// `<name>` to `out/order`. Optional second argument: a path whose existence it records.
  static let recorder = """
    #!/bin/sh
    out="$1"
    state="$(cat)"
    pid="$(echo "$state" | grep -o '"pid":[0-9]*' | cut -d: -f2)"
    {
      echo "argc=$#"
      echo "arg2=$2"
      echo "foo=$FOO"
      echo "envcount=$(env | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_=' -e '^OLDPWD=' | grep -c .)"
      echo "cwd=$(pwd)"
      for ns in net uts pid mnt; do echo "$ns=$(readlink /proc/self/ns/$ns)"; done
      [ -n "$pid" ] && echo "exe=$(readlink /proc/$pid/exe)"
      [ -n "$2" ] && { [ -e "$2" ] && echo "exists=yes" || echo "exists=no"; }
      echo "state=$state"
    } > "$out"
    basename "$out" .txt >> "$(dirname "$out")/order"
    """

  /// A startContainer hook: runs inside the container (busybox sh), as the container's user.
  static let inside = """
    { echo "uid=$(id -u)"; echo "cwd=$(pwd)"; echo "path=$PATH"; echo "root=$(ls / | tr '\\n' ' ')"; \
    echo "state=$(cat)"; } > /out/startContainer.txt; echo startContainer >> /out/order
    """

  final class Setup {
    let b: Harness.Bundle
    var out: String { b.dir + "/out" }
    var recorder: String { b.dir + "/record.sh" }

    init() throws {
      b = try Harness.Bundle()
      try FileManager.default.createDirectory(atPath: b.dir + "/out", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: b.rootfs + "/out", withIntermediateDirectories: true)
      chmod(b.dir + "/out", 0o777)
      // Host hooks (root) and startContainer hooks (uid 1000) append to the same file.
      #expect(FileManager.default.createFile(atPath: b.dir + "/out/order", contents: nil))
      chmod(b.dir + "/out/order", 0o666)
      try HookTests.recorder.write(toFile: b.dir + "/record.sh", atomically: true, encoding: .utf8)
      chmod(b.dir + "/record.sh", 0o755)
    }

    /// The restricted spec running `args`, with /out bound and `hooks`.
    func spec(_ args: [String], hooks: RuntimeSpec.Hooks) -> RuntimeSpec {
      var spec = RuntimeSpecFixtures.restricted(args)
      spec.mounts!.append(.init(destination: "/out", type: "bind", source: out, options: ["rbind", "rw"]))
      spec.hooks = hooks
      spec.annotations = ["io.kubernetes.pod.name": "hooked"]
      return spec
    }

    /// A recorder hook writing `out/<name>.txt`.
    func record(_ name: String, env: [String]? = nil, check: String? = nil, timeout: Int? = nil) -> RuntimeSpec.Hook {
      .init(path: recorder, args: ["record", out + "/\(name).txt"] + (check.map { [$0] } ?? []), env: env, timeout: timeout)
    }

    /// `key=value` lines of `out/<name>.txt`.
    func seen(_ name: String) -> [String: String] {
      let text = (try? String(contentsOfFile: out + "/\(name).txt", encoding: .utf8)) ?? ""
      var d: [String: String] = [:]
      for line in text.split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        d[String(line[..<eq])] = String(line[line.index(after: eq)...])
      }
      return d
    }

    func state(_ name: String) -> [String: Any] {
      guard let text = seen(name)["state"] else { return [:] }
      return ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }

    var order: [String] {
      ((try? String(contentsOfFile: out + "/order", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func hookRuns() throws -> [[String: Any]] {
      guard FileManager.default.fileExists(atPath: b.stateRoot + "/audit") else { return [] }
      return try OCIAuditEventTests.records(b.stateRoot + "/audit").filter { $0["kind"] as? String == "hook.run" }
    }

    /// No state, cgroup (any hierarchy), mount or process of `id` is left.
    func expectNothingLeft(_ id: String) {
      #expect(!FileManager.default.fileExists(atPath: "\(b.stateRoot)/\(id)"), "state left for \(id)")
      let cgroups =
        ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [])
        .map { "/sys/fs/cgroup/\($0)/garrison-oci-\(id)" } + ["/sys/fs/cgroup/garrison-oci-\(id)"]
      for c in cgroups { #expect(!FileManager.default.fileExists(atPath: c), "cgroup left: \(c)") }
      #expect(Harness.hostMounts(mentioning: b.dir).isEmpty, "mounts left: \(Harness.hostMounts(mentioning: b.dir))")
      #expect(Harness.processes(rootedIn: b.dir).isEmpty, "processes left: \(Harness.processes(rootedIn: b.dir))")
    }
  }

  /// Live (non-zombie) host pids whose command line has `argument`.
  static func processes(withArgument argument: String) -> [Int32] {
    let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    return pids.filter { pid in
      guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
        cmdline.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == argument })
      else { return false }
      return ProcessProbe.stat(pid).map { $0.state != "Z" } ?? false
    }
  }

  static func ns(_ kind: String) -> String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(kind)")) ?? "?" }

  @Test(Harness.containers) func everyHookRunsAtItsMomentInItsNamespace() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    let id = "it-hooks"
    s.b.ids.append(id)
    var inside = RuntimeSpec.Hook(path: "/bin/sh", args: ["sh", "-c", Self.inside])
    inside.env = nil  // the container process's environment (PATH), as runc
    let hooks = RuntimeSpec.Hooks(
      prestart: [s.record("prestart")],
      createRuntime: [s.record("createRuntime", env: ["FOO=bar"], check: s.b.rootfs + "/bin/busybox", timeout: 30)],
      createContainer: [s.record("createContainer", check: s.b.rootfs + "/bin/busybox")],
      startContainer: [inside],
      poststart: [s.record("poststart")],
      poststop: [s.record("poststop", check: "\(s.b.stateRoot)/\(id)")])
    try s.b.write(
      s.spec(
        ["/bin/sh", "-c", "[ -e /out/startContainer.txt ] && echo yes > /out/main.txt; exec sleep 60"],
        hooks: hooks))
    let created = try s.b.oci(["create", "--bundle", s.b.dir, "--pid-file", s.b.dir + "/pid", id])
    #expect(created.status == 0, "\(created.stderr)")
    let pid = Int32((try? String(contentsOfFile: s.b.dir + "/pid", encoding: .utf8)) ?? "") ?? -1
    #expect(s.order == ["prestart", "createRuntime", "createContainer"])

    // prestart and createRuntime: the host's namespaces, the host pid of the container process; state created for
    // prestart (runtime-spec's lifecycle, runtime-tools' check, crun), creating for createRuntime.
    for name in ["prestart", "createRuntime"] {
      let seen = s.seen(name)
      #expect(seen["net"] == Self.ns("net") && seen["mnt"] == Self.ns("mnt") && seen["pid"] == Self.ns("pid"), "\(seen)")
      #expect(seen["cwd"] == s.b.dir, "\(seen)")
      let state = s.state(name)
      #expect(
        state["status"] as? String == (name == "prestart" ? "created" : "creating") && state["pid"] as? Int == Int(pid),
        "\(state)")
      #expect(state["id"] as? String == id && state["bundle"] as? String == s.b.dir && state["ociVersion"] as? String == "1.2.0")
      #expect((state["annotations"] as? [String: String]) == ["io.kubernetes.pod.name": "hooked"])
    }
    #expect(s.seen("createRuntime")["foo"] == "bar" && s.seen("createRuntime")["exists"] == "yes")
    #expect(s.seen("createRuntime")["argc"] == "2" && s.seen("prestart")["argc"] == "1")

    // createContainer: the container's namespaces, but paths still resolve in the host's view (pid 1 of its own
    // pid namespace; its working directory is the rootfs, as with runc).
    let cc = s.seen("createContainer")
    #expect(cc["net"] != Self.ns("net") && cc["uts"] != Self.ns("uts") && cc["pid"] != Self.ns("pid"), "\(cc)")
    #expect(cc["mnt"] != Self.ns("mnt") && cc["exists"] == "yes" && cc["cwd"] == s.b.rootfs, "\(cc)")
    #expect(
      cc["foo"] == "" && cc["envcount"] == "0",
      "a createContainer hook without env gets an empty environment (not even garrison-init's own): \(cc)")
    #expect(s.state("createContainer")["pid"] as? Int == 1 && s.state("createContainer")["status"] as? String == "creating")

    let started = try s.b.oci(["start", id])
    #expect(started.status == 0, "\(started.stderr)")
    #expect(s.order == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"])
    // startContainer: inside the container, as its user, before the user process (which saw its file).
    let sc = s.seen("startContainer")
    #expect(sc["uid"] == "1000" && sc["cwd"] == "/" && sc["path"]?.hasPrefix("/usr/local/sbin:") == true, "\(sc)")
    #expect(sc["root"]?.contains("out ") == true && sc["root"]?.contains("usr") == false, "\(sc)")  // the rootfs
    #expect(s.state("startContainer")["pid"] as? Int == 1 && s.state("startContainer")["status"] as? String == "created")
    var mainRan = false
    for _ in 0..<200 where !mainRan {
      mainRan = FileManager.default.fileExists(atPath: s.out + "/main.txt")
      if !mainRan { usleep(10_000) }
    }
    #expect(mainRan, "the user process did not see the startContainer hook's file")
    // poststart: after the user process was executed (its exe is busybox, no longer garrison-init).
    let ps = s.seen("poststart")
    #expect(ps["exe"]?.hasSuffix("/bin/busybox") == true, "\(ps)")
    #expect(s.state("poststart")["status"] as? String == "running" && s.state("poststart")["pid"] as? Int == Int(pid))
    #expect(ps["net"] == Self.ns("net"))

    #expect(try s.b.oci(["kill", id, "KILL"]).status == 0)
    var stopped = false
    for _ in 0..<200 where !stopped {
      stopped = (try? s.b.oci(["state", id]))?.stdout.contains("\"stopped\"") == true
      if !stopped { usleep(10_000) }
    }
    let deleted = try s.b.oci(["delete", id])
    #expect(deleted.status == 0, "\(deleted.stderr)")
    // poststop: after the container is gone (its state directory already removed), state stopped without a pid.
    #expect(s.order.last == "poststop")
    #expect(s.seen("poststop")["exists"] == "no")
    #expect(s.state("poststop")["status"] as? String == "stopped" && s.state("poststop")["pid"] == nil)
    s.expectNothingLeft(id)

    // Every run is audited with its kind, index, path, exit status and duration.
    let runs = try s.hookRuns()
    #expect(
      runs.map { ($0["details"] as? [String: Any])?["hook"] as? String } == [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
      ])
    for run in runs {
      let d = run["details"] as? [String: Any] ?? [:]
      #expect(run["outcome"] as? String == "allowed" && d["exit_code"] as? Int == 0 && d["index"] as? Int == 0, "\(run)")
      #expect((d["duration_us"] as? Int ?? 0) > 0 && (d["path"] as? String)?.hasPrefix("/") == true, "\(run)")
      #expect((run["object"] as? [String: Any])?["pod"] as? String == "hooked")
    }
  }

  /// `run` in the foreground goes through the same steps (the startContainer reports come back while `run` also
  /// holds the sync socket) and ends with poststop.
  @Test(Harness.containers) func foregroundRunRunsEveryHookInOrder() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    let hooks = RuntimeSpec.Hooks(
      prestart: [s.record("prestart")], createRuntime: [s.record("createRuntime")],
      createContainer: [s.record("createContainer")],
      startContainer: [.init(path: "/bin/sh", args: ["sh", "-c", "echo startContainer >> /out/order"])],
      poststart: [s.record("poststart")], poststop: [s.record("poststop")])
    let r = try s.b.run(s.spec(["/bin/sh", "-c", "exit 7"], hooks: hooks))
    #expect(r.status == 7, "\(r.stderr)")
    #expect(
      s.order == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
      "\(s.order)")
    s.expectNothingLeft(s.b.ids[0])
  }

  enum Failure: String, CaseIterable, CustomTestStringConvertible {
    case prestartExit, createRuntimeSignal, createRuntimeTimeout, createRuntimeMissing, createContainerExit,
      createContainerTimeout
    var testDescription: String { rawValue }
  }

  @Test(Harness.containers, arguments: Failure.allCases) func aFailingCreateHookFailsCreateAndLeavesNothing(_ failure: Failure) throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    // The timing-out hooks leave a background child in their process group: it must die with them. (Its pid as
    // the hook sees it may be in the container's pid namespace: it is found by a unique argument instead.)
    let marker = "29.\(Int.random(in: 1000...9999))"
    let lingering = "sleep \(marker) & wait"
    var hooks = RuntimeSpec.Hooks(poststop: [s.record("poststop")])
    let field: String
    let reason: String
    switch failure {
    case .prestartExit:
      hooks.prestart = [.init(path: "/bin/sh", args: ["sh", "-c", "echo nope >&2; exit 3"])]
      (field, reason) = ("hooks.prestart[0].path", "exited with status 3; output: nope")
    case .createRuntimeSignal:
      hooks.createRuntime = [s.record("ok"), .init(path: "/bin/sh", args: ["sh", "-c", "kill -9 $$"])]
      (field, reason) = ("hooks.createRuntime[1].path", "was killed by signal 9")
    case .createRuntimeTimeout:
      hooks.createRuntime = [.init(path: "/bin/sh", args: ["sh", "-c", lingering], timeout: 1)]
      (field, reason) = ("hooks.createRuntime[0].path", "timed out after 1 s")
    case .createRuntimeMissing:
      hooks.createRuntime = [.init(path: s.b.dir + "/no-such-hook")]
      (field, reason) = ("hooks.createRuntime[0].path", "could not be started: ENOENT")
    case .createContainerExit:
      hooks.createContainer = [.init(path: "/bin/sh", args: ["sh", "-c", "exit 5"])]
      (field, reason) = ("hooks.createContainer[0].path", "exited with status 5")
    case .createContainerTimeout:
      hooks.createContainer = [.init(path: "/bin/sh", args: ["sh", "-c", lingering], timeout: 1)]
      (field, reason) = ("hooks.createContainer[0].path", "timed out after 1 s")
    }
    try s.b.write(s.spec(["/bin/sleep", "60"], hooks: hooks))
    let id = "it-hookfail-\(failure.rawValue.lowercased())"
    s.b.ids.append(id)
    let began = Date()
    let r = try s.b.oci(["create", "--bundle", s.b.dir, id])
    #expect(r.status == 4, "status \(r.status): \(r.stderr)")
    #expect(r.stderr.contains(field) && r.stderr.contains(reason), "stderr: \(r.stderr)")
    #expect(Date().timeIntervalSince(began) < 10)
    s.expectNothingLeft(id)
    #expect(Self.processes(withArgument: marker).isEmpty, "the timed-out hook's child lives")
    // runtime-spec lifecycle: a failed create continues at destroy and poststop.
    #expect(s.order.last == "poststop", "\(s.order)")
    let runs = try s.hookRuns()
    let failed = runs.first { $0["outcome"] as? String == "error" }
    let path = field.replacingOccurrences(of: ".path", with: "")
    #expect(
      failed.map { d -> String in
        let x = d["details"] as? [String: Any] ?? [:]
        return "hooks.\(x["hook"] as? String ?? "")[\(x["index"] as? Int ?? -1)]"
      } == path, "\(runs)")
  }

  @Test(Harness.containers) func aFailingStartContainerHookStopsTheContainer() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    for (kind, hooks) in [
      (
        "startContainer",
        RuntimeSpec.Hooks(startContainer: [
          .init(path: "/bin/true"),
          .init(path: "/bin/sh", args: ["sh", "-c", "echo no; exit 6"]),
        ])
      )
    ] {
      var h = hooks
      h.poststop = [s.record("poststop-\(kind)")]
      try s.b.write(s.spec(["/bin/sleep", "60"], hooks: h))
      let id = "it-startfail-\(kind.lowercased())"
      s.b.ids.append(id)
      let created = try s.b.oci(["create", "--bundle", s.b.dir, "--pid-file", s.b.dir + "/pid", id])
      #expect(created.status == 0, "\(created.stderr)")
      let pid = Int32((try? String(contentsOfFile: s.b.dir + "/pid", encoding: .utf8)) ?? "") ?? -1
      let r = try s.b.oci(["start", id])
      #expect(r.status == 4, "\(kind): \(r.stderr)")
      let expected = kind == "startContainer" ? "hooks.startContainer[1].path" : "hooks.poststart[0].path"
      #expect(
        r.stderr.contains(expected) && r.stderr.contains(kind == "startContainer" ? "status 6; output: no" : "status 9"),
        "\(r.stderr)")
      #expect(ProcessProbe.stat(pid).map { $0.state == "Z" } ?? true, "\(kind): the container process \(pid) lives")
      #expect(try s.b.oci(["state", id]).stdout.contains("\"stopped\""))
      let deleted = try s.b.oci(["delete", id])
      #expect(deleted.status == 0, "\(deleted.stderr)")
      #expect(s.order.last == "poststop-\(kind)")
      s.expectNothingLeft(id)
    }
    let outcomes = try s.hookRuns().map { run -> String in
      let d = run["details"] as? [String: Any] ?? [:]
      return "\(d["hook"] as? String ?? "?")[\(d["index"] as? Int ?? -1)] \(run["outcome"] as? String ?? "?")"
    }
    #expect(outcomes == ["startContainer[0] allowed", "startContainer[1] error", "poststop[0] allowed"], "\(outcomes)")
  }

  /// runtime-spec: "If any poststart hook fails, the runtime MUST log a warning, but the remaining hooks and
  /// lifecycle continue as if the hook had succeeded."
  @Test(.enabled(if: Harness.skipReason == nil, "needs root, /bin/busybox and built garrison-oci, garrison-init"))
  func aFailingPoststartHookIsAWarningAndStartSucceeds() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    let hooks = RuntimeSpec.Hooks(poststart: [
      .init(path: "/bin/sh", args: ["sh", "-c", "echo broken; exit 9"]),
      s.record("after"),
    ])
    try s.b.write(s.spec(["/bin/sleep", "60"], hooks: hooks))
    let id = "it-poststart-warn"
    s.b.ids.append(id)
    let created = try s.b.oci(["create", "--bundle", s.b.dir, "--pid-file", s.b.dir + "/pid", id])
    #expect(created.status == 0, "\(created.stderr)")
    let pid = Int32((try? String(contentsOfFile: s.b.dir + "/pid", encoding: .utf8)) ?? "") ?? -1
    let r = try s.b.oci(["start", id])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(
      r.stderr.contains("garrison-oci: warning: hooks.poststart[0].path: poststart hook /bin/sh exited with status 9"),
      "\(r.stderr)")
    #expect(s.order == ["after"], "the remaining poststart hooks run")
    #expect(ProcessProbe.stat(pid).map { $0.state != "Z" } ?? false, "the container process \(pid) still runs")
    #expect(try s.b.oci(["state", id]).stdout.contains("\"running\""))
    #expect(try s.b.oci(["kill", id, "KILL"]).status == 0)
    for _ in 0..<200 where (try? s.b.oci(["state", id]))?.stdout.contains("\"stopped\"") != true { usleep(10_000) }
    #expect(try s.b.oci(["delete", id]).status == 0)
    s.expectNothingLeft(id)
    let outcomes = try s.hookRuns().map { run -> String in
      let d = run["details"] as? [String: Any] ?? [:]
      return "\(d["hook"] as? String ?? "?")[\(d["index"] as? Int ?? -1)] \(run["outcome"] as? String ?? "?")"
    }
    #expect(outcomes == ["poststart[0] error", "poststart[1] allowed"], "\(outcomes)")
  }

  @Test(Harness.containers) func aFailingPoststopHookIsAWarningAndDeleteCompletes() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    let hooks = RuntimeSpec.Hooks(poststop: [
      .init(path: "/bin/sh", args: ["sh", "-c", "echo broken; exit 1"]),
      .init(path: "/bin/sh", args: ["sh", "-c", "sleep 30"], timeout: 1),
      s.record("after"),
    ])
    try s.b.write(s.spec(["/bin/true"], hooks: hooks))
    let id = "it-poststop"
    s.b.ids.append(id)
    #expect(try s.b.oci(["run", "--detach", "--bundle", s.b.dir, id]).status == 0)
    let deleted = try s.b.oci(["delete", "--force", id])
    #expect(deleted.status == 0, "\(deleted.stderr)")
    #expect(
      deleted.stderr.contains("warning: hooks.poststop[0].path: poststop hook /bin/sh exited with status 1; output: broken"),
      "\(deleted.stderr)")
    #expect(deleted.stderr.contains("warning: hooks.poststop[1].path") && deleted.stderr.contains("timed out"))
    #expect(s.order == ["after"], "the hooks after a failing one still run")
    s.expectNothingLeft(id)
    let runs = try s.hookRuns().map { ($0["outcome"] as? String ?? "?", ($0["details"] as? [String: Any])?["timed_out"] as? Bool) }
    #expect(runs.map(\.0) == ["error", "error", "allowed"] && runs.map(\.1) == [false, true, false], "\(runs)")
  }

  @Test(Harness.containers) func invalidHooksAreRefusedBeforeAnythingExists() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    for (hooks, text) in [
      (RuntimeSpec.Hooks(createRuntime: [.init(path: "record.sh")]), "hooks.createRuntime[0].path: hook path record.sh must be absolute"),
      (
        RuntimeSpec.Hooks(poststop: [.init(path: "/bin/true", timeout: -1)]), "hooks.poststop[0].timeout: timeout must be greater than zero"
      ),
    ] {
      try s.b.write(s.spec(["/bin/true"], hooks: hooks))
      let r = try s.b.oci(["run", "--bundle", s.b.dir, "it-badhook"])
      #expect(r.status == 2 && r.stderr.contains(text), "\(r.status): \(r.stderr)")
      s.expectNothingLeft("it-badhook")
    }
    #expect(try s.hookRuns().isEmpty)
  }

  /// In a user namespace: createRuntime runs as host root once the maps are written, createContainer as the
  /// namespace's root (host uid 100000) in the rootfs the mapped root owns, startContainer as the process user.
  @Test(UserNamespaceTests.userNamespaces) func hooksInAUserNamespace() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    let base = UserNamespaceTests.hostBase
    lchown(s.b.rootfs, base, base)
    for case let entry as String in FileManager.default.enumerator(atPath: s.b.rootfs)! {
      lchown("\(s.b.rootfs)/\(entry)", base, base)
    }
    let map = #"tr -s ' ' < /proc/$1/uid_map | sed 's/^ //'"#
    let hooks = RuntimeSpec.Hooks(
      createRuntime: [
        .init(
          path: "/bin/sh",
          args: [
            "sh", "-c",
            #"pid=$(grep -o '"pid":[0-9]*' | cut -d: -f2); "#
              + #"echo "$(id -u) $(\#(map.replacingOccurrences(of: "$1", with: "$pid")))" > \#(s.out)/cr"#,
          ])
      ],
      createContainer: [
        .init(
          path: "/bin/sh", args: ["sh", "-c", #"echo "$(id -u) $(\#(map.replacingOccurrences(of: "$1", with: "self")))" > \#(s.out)/cc"#])
      ],
      startContainer: [.init(path: "/bin/sh", args: ["sh", "-c", "id -u > /out/sc"])])
    var spec = s.spec(["/bin/true"], hooks: hooks)
    spec.linux!.namespaces!.append(.init(type: "user"))
    spec.linux!.uidMappings = [.init(containerID: 0, hostID: base, size: 65536)]
    spec.linux!.gidMappings = [.init(containerID: 0, hostID: base, size: 65536)]
    let r = try s.b.run(spec)
    #expect(r.status == 0, "\(r.stderr)")
    func read(_ name: String) -> String {
      ((try? String(contentsOfFile: s.out + "/" + name, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    #expect(read("cr") == "0 0 100000 65536", "createRuntime: \(read("cr"))")
    #expect(read("cc") == "0 0 100000 65536", "createContainer: \(read("cc"))")
    #expect(read("sc") == "1000", "startContainer: \(read("sc"))")
    s.expectNothingLeft(s.b.ids[0])
  }

  /// exec never runs the container's hooks.
  @Test(Harness.containers) func execRunsNoHooks() throws {
    let s = try Setup()
    defer { s.b.cleanup() }
    let hooks = RuntimeSpec.Hooks(
      createContainer: [s.record("createContainer")],
      startContainer: [.init(path: "/bin/sh", args: ["sh", "-c", "echo startContainer >> /out/order"])],
      poststart: [s.record("poststart")])
    try s.b.write(s.spec(["/bin/sleep", "60"], hooks: hooks))
    let id = "it-hook-exec"
    s.b.ids.append(id)
    #expect(try s.b.oci(["run", "--detach", "--bundle", s.b.dir, id]).status == 0)
    let ex = try s.b.oci(["exec", id, "/bin/true"])
    #expect(ex.status == 0, "\(ex.stderr)")
    #expect(s.order == ["createContainer", "startContainer", "poststart"])
  }
}
