#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
import Glibc
import GarrisonCore
import GarrisonKernel

/// The supervisor's single child reaper. The supervisor is a child subreaper (`PR_SET_CHILD_SUBREAPER`), so
/// container processes re-parent to it when the runtime's `create` exits; one thread learns of every exit
/// (`waitid(WNOWAIT)`, which leaves the child a zombie), reaps it under the lock and records its status, and
/// everyone else asks the reaper (never `waitpid` on their own: statuses would be lost). Once `beginHandover`
/// has returned it reaps nothing: a child that exits then stays a zombie for garrison-keeper, which reaps it
/// after the `execve` (a status reaped by this thread just before the exec would be lost with the thread).
public final class Reaper: @unchecked Sendable {
  private let condition = Condition()
  private var statuses: [pid_t: ExitStatus] = [:]
  private var counter = 0
  /// Bumped by every `wait`: the child waited for exists, so the reaping thread looks again.
  private var waits = 0
  /// Set by `beginHandover`: the reaping thread stops reaping (it parks until `cancelHandover`).
  private var handingOver = false

  public init() {}

  /// Makes this process a child subreaper and starts the reaping thread.
  public func start() throws {
    do { try Kernel.prctl(LinuxConstants.PR_SET_CHILD_SUBREAPER, 1) } catch {
      throw GarrisonError(.system, operation: "prctl(PR_SET_CHILD_SUBREAPER)", "cannot become a subreaper", errno: error.rawValue)
    }
    guard DetachedThread.start({ [self] in loop() }) else {
      throw GarrisonError(.system, operation: "pthread_create", "cannot start the reaper thread")
    }
  }

  private func loop() {
    while true {
      condition.lock()
      let seen = waits
      condition.unlock()
      let pid: pid_t
      // No child (ECHILD) or an error: as if there were none yet.
      do { pid = try Kernel.peekExited() } catch { pid = 0 }
      if pid > 0 {
        condition.lock()
        while handingOver { condition.wait() }
        if let st = try? Kernel.reap(pid) {
          statuses[pid] = ExitStatus(waitStatus: st)
          counter += 1
          condition.broadcast()
        }
        condition.unlock()
      } else if pid == 0 {
        // No child yet: sleep until a caller waits for one it started (`wait` bumps `waits`), at most 20 ms (a child
        // nobody waits for, such as the sandbox, is found then). Was a plain 20 ms sleep, which delayed the first
        // exits the supervisor waits for (`ip`, the runtime) by up to 20 ms.
        condition.lock()
        if waits == seen { _ = condition.wait(seconds: 0.02) }
        condition.unlock()
      }
    }
  }

  /// Blocks until `pid` has exited and returns (and forgets) its status.
  public func wait(_ pid: pid_t) -> ExitStatus {
    condition.lock()
    defer { condition.unlock() }
    wakeReaper()
    while statuses[pid] == nil { condition.wait() }
    return statuses.removeValue(forKey: pid)!
  }

  /// Tells a reaping thread that found no children that there is one now (caller holds the lock).
  private func wakeReaper() {
    waits += 1
    condition.broadcast()
  }

  /// Like `wait`, but gives up after `timeout` seconds (nil).
  public func wait(_ pid: pid_t, timeout: Double) -> ExitStatus? {
    condition.lock()
    defer { condition.unlock() }
    wakeReaper()
    let deadline = Date(timeIntervalSinceNow: timeout)
    while statuses[pid] == nil {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 || !condition.wait(seconds: left) { break }
    }
    return statuses.removeValue(forKey: pid)
  }

  /// Returns (and forgets) `pid`'s status if it has exited.
  public func take(_ pid: pid_t) -> ExitStatus? {
    condition.lock()
    defer { condition.unlock() }
    return statuses.removeValue(forKey: pid)
  }

  /// Whether `pid` has exited and its status waits to be taken (`take`).
  public func hasExited(_ pid: pid_t) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    return statuses[pid] != nil
  }

  /// A counter that changes whenever a child exits (or `poke` is called).
  public var generation: Int {
    condition.lock()
    defer { condition.unlock() }
    return counter
  }

  /// Waits until `generation` differs from `seen` (something happened since the caller looked) or `timeout`
  /// seconds pass. Taking `seen` before processing exits means an exit in between is never slept through.
  public func waitForChange(from seen: Int, timeout: Double) {
    condition.lock()
    defer { condition.unlock() }
    let deadline = Date(timeIntervalSinceNow: timeout)
    while counter == seen {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 || !condition.wait(seconds: left) { return }
    }
  }

  /// Waits until any child exits (after this call) or `timeout` seconds pass.
  public func waitForAnyExit(timeout: Double) {
    waitForChange(from: generation, timeout: timeout)
  }

  /// Stops reaping for a handover to garrison-keeper: once this returns, no exit is reaped by this process
  /// (exits stay zombies for the keeper). False (and reaping continues) when one of `pids` has an exit status
  /// waiting to be taken: the supervisor has an event to handle first.
  func beginHandover(keeping pids: [pid_t]) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    if pids.contains(where: { statuses[$0] != nil }) { return false }
    handingOver = true
    return true
  }

  /// Resumes reaping after a handover that did not happen.
  func cancelHandover() {
    condition.lock()
    handingOver = false
    condition.broadcast()
    condition.unlock()
  }

  /// Statuses garrison-keeper reaped while it held the pod (raw wait statuses), recorded as if reaped here.
  func record(_ exits: [(pid: pid_t, status: Int32)]) {
    guard !exits.isEmpty else { return }
    condition.lock()
    for e in exits { statuses[e.pid] = ExitStatus(waitStatus: e.status) }
    counter += 1
    condition.broadcast()
    condition.unlock()
  }

  /// Wakes `waitForAnyExit` (e.g. on a termination request).
  public func poke() {
    condition.lock()
    counter += 1
    condition.broadcast()
    condition.unlock()
  }
}
