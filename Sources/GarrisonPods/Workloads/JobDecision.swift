import Foundation

/// The Job controller's decision, pure: (spec, observed pods, start time, clock) → pods to create, pods to
/// stop, and the Job's counts and condition. `completions` (nil: the first success completes, as a Job without
/// completions), `parallelism`, `backoffLimit` (failed pods plus, under OnFailure, container restarts),
/// `activeDeadlineSeconds`.
public enum JobDecision {
  public struct Outcome: Sendable, Equatable {
    public var create = 0
    /// Active pods to stop (the Job finished or failed).
    public var stop: [String] = []
    public var active = 0
    public var succeeded = 0
    public var failed = 0
    /// `Complete` or `Failed` once finished.
    public var condition: String?
    public var reason: String?
    public var message: String?
    public init() {}
  }

  public static func decide(completions: Int?, parallelism: Int, backoffLimit: Int, activeDeadlineSeconds: Int?,
                            restartPolicy: String, pods: [ObservedPod], startTime: Date, now: Date,
                            alreadyFinished: String? = nil) -> Outcome {
    var out = Outcome()
    let live = pods.filter { !$0.terminating }
    out.succeeded = live.filter { $0.phase == .succeeded }.count
    let failedPods = live.filter { $0.phase == .failed || $0.phase == .unknown }.count
    let active = live.filter { $0.phase == .pending || $0.phase == .running }
    out.active = active.count
    // Under OnFailure a pod's container restarts count as failures (Kubernetes: pastBackoffLimitOnFailure).
    let restarts = restartPolicy == "OnFailure" ? active.reduce(0) { $0 + $1.restarts } : 0
    out.failed = failedPods + restarts
    if let done = alreadyFinished {
      out.condition = done
      out.stop = active.map(\.name)
      return out
    }
    let target = completions ?? 1
    if out.succeeded >= target || (completions == nil && out.succeeded > 0 && active.isEmpty) {
      out.condition = "Complete"
      out.stop = active.map(\.name)
      return out
    }
    if out.failed > backoffLimit {
      out.condition = "Failed"
      out.reason = "BackoffLimitExceeded"
      out.message = "Job has reached the specified backoff limit"
      out.stop = active.map(\.name)
      return out
    }
    if let d = activeDeadlineSeconds, now.timeIntervalSince(startTime) >= Double(d) {
      out.condition = "Failed"
      out.reason = "DeadlineExceeded"
      out.message = "Job was active longer than specified deadline"
      out.stop = active.map(\.name)
      return out
    }
    let remaining = target - out.succeeded
    let want = min(parallelism, completions == nil ? parallelism : remaining)
    out.create = max(0, want - active.count)
    return out
  }
}
