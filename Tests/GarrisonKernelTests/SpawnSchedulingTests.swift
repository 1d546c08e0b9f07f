import Foundation
import GarrisonKernel
import Testing

/// No process Garrison spawns inherits a real-time scheduling policy: both spawn paths (`posix_spawn` with
/// `SpawnAttributes`, and `gr_spawn`'s clone3) start the child under `SCHED_OTHER` when the spawning thread runs
/// under `SCHED_FIFO`. (Found with `chrt -f 10 garrison apply`: the container init inherited the policy and a
/// cgroup v1 `cpu` controller without a real-time budget refused it, EINVAL on its `tasks` file.)
@Suite(.serialized, .enabled(if: RealTimeThread.canSwitch, "needs root (CAP_SYS_NICE) and a real-time budget for this cgroup"))
struct SpawnSchedulingTests {
  @Test func posixSpawnStartsTheChildUnderTheNormalPolicy() throws {
    let pid = try RealTimeThread.run {
      try Kernel.spawn(
        "/bin/sleep", args: ["sleep", "30"], env: [], stdin: 0, stdout: 1, stderr: 2, cwd: nil, newProcessGroup: false)
    }
    defer { RealTimeThread.end(pid) }
    #expect(RealTimeThread.policy(pid) == SCHED_OTHER)
  }

  @Test func cloneSpawnStartsTheChildUnderTheNormalPolicy() throws {
    let pid = try RealTimeThread.run {
      try Kernel.spawnInNewNamespaces("/bin/sleep", arguments: ["sleep", "30"], environment: [], namespaceFlags: 0)
    }
    defer { RealTimeThread.end(pid) }
    #expect(RealTimeThread.policy(pid) == SCHED_OTHER)
  }

  /// The check itself: a thread under SCHED_FIFO is seen as real-time, and one under SCHED_OTHER is not.
  @Test func theSpawningThreadsPolicyIsRead() throws {
    #expect(!Kernel.threadRunsRealTime())
    #expect(try RealTimeThread.run { Kernel.threadRunsRealTime() })
    #expect(!Kernel.threadRunsRealTime())
  }
}

/// Runs a body with the calling thread under `SCHED_FIFO` priority 1 (the policy is per thread on Linux), and
/// reads a process's policy from `/proc/<pid>/stat`.
enum RealTimeThread {
  static let canSwitch: Bool = (try? run { true }) ?? false

  static func run<T>(_ body: () throws -> T) throws -> T {
    var fifo = sched_param(sched_priority: 1)
    guard sched_setscheduler(0, SCHED_FIFO, &fifo) == 0 else {
      throw TestSkip("sched_setscheduler(SCHED_FIFO): errno \(errno)")
    }
    defer {
      var normal = sched_param(sched_priority: 0)
      _ = sched_setscheduler(0, SCHED_OTHER, &normal)
    }
    return try body()
  }

  /// Field 41 (`policy`) of `/proc/<pid>/stat`.
  static func policy(_ pid: Int32) -> Int32? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    return fields.count > 38 ? Int32(fields[38]) : nil
  }

  static func end(_ pid: Int32) {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }
}

struct TestSkip: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
