import Foundation
import GarrisonCore
@testable import GarrisonInitProtocol
import GarrisonKernel
import Testing

/// One hook run (`HookProcess`, shared by the runtime and garrison-init), the state document hooks read, and the
/// `hook …` report line. No root needed: the hooks are /bin/sh one-liners in a scratch directory.
@Suite struct HookProcessTests {
  static func scratch() throws -> String {
    let dir = "/var/tmp/garrison-hook-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  static func sh(_ script: String, env: [String]? = nil, timeout: Int? = nil) -> InitSpec.Hook {
    InitSpec.Hook(path: "/bin/sh", args: ["sh", "-c", script], env: env, timeout: timeout)
  }

  @Test func stateOnStdinArgsEnvAndWorkingDirectory() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let hook = InitSpec.Hook(
      path: "/bin/sh", args: ["zero", "-c", #"cat > state.json; echo "$0|$1|$FOO|$(pwd)""#, "arg0", "one"],
      env: ["FOO=bar"])
    let state = HookState(id: "c1", bundle: "/b").json(status: "creating", pid: 7)
    let outcome = HookProcess.run(hook, state: state, defaultEnv: ["FOO=default"], cwd: dir)
    #expect(outcome.result == .exited(0))
    #expect(outcome.output == "arg0|one|bar|\(dir)\n")
    #expect(FileManager.default.contents(atPath: dir + "/state.json").map(Array.init) == state)
    // Without env the default applies; without args argv is [path].
    let plain = HookProcess.run(Self.sh(#"echo "$FOO""#), state: [], defaultEnv: ["FOO=default"], cwd: nil)
    #expect(plain.output == "default\n")
    #expect(InitSpec.Hook(path: "/usr/bin/x").argv == ["/usr/bin/x"])
  }

  @Test func onlyStdioIsInherited() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fd = open(dir + "/held", O_CREAT | O_RDWR, 0o600)  // not close-on-exec on purpose
    defer { close(fd) }
    let outcome = HookProcess.run(Self.sh("ls /proc/self/fd"), state: [], defaultEnv: [], cwd: nil)
    // 0, 1, 2 and the directory ls itself opens to list them.
    #expect(outcome.output.split(separator: "\n").count == 4, "\(outcome.output)")
  }

  @Test func exitCodesSignalsAndMissingPrograms() {
    #expect(HookProcess.run(Self.sh("exit 3"), state: [], defaultEnv: [], cwd: nil).result == .exited(3))
    #expect(HookProcess.run(Self.sh("kill -9 $$"), state: [], defaultEnv: [], cwd: nil).result == .signaled(9))
    let missing = HookProcess.run(InitSpec.Hook(path: "/no/such/hook"), state: [], defaultEnv: [], cwd: nil)
    #expect(missing.result == .spawnFailed(ENOENT))
    #expect(missing.result.description.hasPrefix("could not be started: ENOENT"))
    let badCwd = HookProcess.run(Self.sh("true"), state: [], defaultEnv: [], cwd: "/no/such/dir")
    #expect(badCwd.result == .spawnFailed(ENOENT))
  }

  @Test func aTimeoutKillsTheWholeProcessGroup() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outcome = HookProcess.run(
      Self.sh("sleep 30 & echo $! > \(dir)/child; echo started; wait", timeout: 1),
      state: [], defaultEnv: [], cwd: nil)
    #expect(outcome.result == .timedOut(seconds: 1))
    #expect(outcome.durationMicroseconds >= 1_000_000 && outcome.durationMicroseconds < 5_000_000)
    #expect(outcome.output == "started\n")
    let child = try #require(
      Int32(
        try String(contentsOfFile: dir + "/child", encoding: .utf8)
          .trimmingCharacters(in: .whitespacesAndNewlines)))
    // The background sleep was in the hook's process group: killed too (gone, or a zombie nobody reaps yet).
    var gone = false
    for _ in 0..<200 where !gone {
      let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)
      gone = stat == nil || stat!.split(separator: ")").last?.split(separator: " ").first == "Z"
      if !gone { usleep(10_000) }
    }
    #expect(gone, "the hook's background child \(child) survived the timeout")
  }

  @Test func aHookThatLeavesADaemonDoesNotHangTheWait() {
    // The daemon keeps the output pipe open; the exit of the hook itself ends the wait.
    let start = Date()
    let outcome = HookProcess.run(Self.sh("sleep 5 & echo done"), state: [], defaultEnv: [], cwd: nil)
    #expect(outcome.result == .exited(0) && outcome.output == "done\n")
    #expect(Date().timeIntervalSince(start) < 3)
  }

  @Test func outputIsKeptToItsTailAndSummarisedOnOneLine() {
    let big = HookProcess.run(
      Self.sh("head -c 100000 /dev/zero | tr '\\0' x; echo; echo last"), state: [],
      defaultEnv: [], cwd: nil)
    #expect(big.output.utf8.count == HookProcess.outputLimit && big.output.hasSuffix("x\nlast\n"))
    let two = HookProcess.run(Self.sh("echo one; echo '  two  ' >&2; exit 1"), state: [], defaultEnv: [], cwd: nil)
    #expect(two.outputSummary == "; output: one | two")
    #expect(HookProcess.run(Self.sh("true"), state: [], defaultEnv: [], cwd: nil).outputSummary == "")
  }

  @Test func stateDocumentIsCanonicalOCIState() throws {
    let state = HookState(id: "c1", bundle: "/var/tmp/b", annotations: ["a\"b": "é\n", "status": "creating"])
    let text = String(decoding: state.json(status: "created", pid: 42), as: UTF8.self)
    #expect(
      text
        == #"{"annotations":{"a\"b":"é\n","status":"creating"},"bundle":"/var/tmp/b","id":"c1","ociVersion":"1.2.0","pid":42,"status":"created"}"#
    )
    let parsed = try JSONParser.parse(state.json(status: "stopped", pid: nil))
    #expect(parsed["pid"] == nil && parsed["status"]?.stringValue == "stopped")
    #expect(HookState(id: "x", bundle: "/").json(status: "creating", pid: 1).count > 0)
    #expect(try JSONParser.parse(HookState(id: "x", bundle: "/").json(status: "creating", pid: 1))["annotations"] == nil)
  }

  @Test(arguments: [
    HookResult.exited(0), .exited(255), .signaled(9), .timedOut(seconds: 5), .spawnFailed(2), .waitFailed(10),
  ]) func reportLinesRoundTrip(_ result: HookResult) {
    let report = HookReport(kind: .createContainer, index: 3, result: result, durationMicroseconds: 1234)
    let line = SyncProtocol.Message.hook(report).line
    #expect(SyncProtocol.Message(line: line) == .hook(report))
    #expect(report.field == "hooks.createContainer[3].path")
  }

  @Test(arguments: [
    "hook", "hook createContainer", "hook bogus 0 exit 0 1", "hook createContainer -1 exit 0 1",
    "hook createContainer 0 explode 0 1", "hook createContainer 0 exit 0",
  ])
  func malformedReportsAreUnknown(_ line: String) {
    #expect(SyncProtocol.Message(line: line) == .unknown(line))
  }

  @Test func pauseMessagesParse() {
    #expect(SyncProtocol.Message(line: "hooks") == .hooks)
    #expect(SyncProtocol.Message.hooks.line == "hooks")
  }
}
