import Foundation

/// The Job controller's decision, pure: (spec, observed pods, start time, clock) → pods to create, pods to
/// stop, and the Job's counts and condition. `completions` (nil: the first success completes, as a Job without
/// completions), `parallelism`, `backoffLimit` (failed pods plus, under OnFailure, container restarts),
/// `activeDeadlineSeconds`, `completionMode: Indexed` (one pod per index, the lowest missing indexes first;
/// `completedIndexes`) and `podFailurePolicy` (a failed pod's first matching rule: FailJob, Ignore, Count).
public enum JobDecision {
  public struct Outcome: Sendable, Equatable {
    public var create = 0
    /// Indexed: the completion index of each pod to create (`create` of them, lowest first).
    public var createIndexes: [Int] = []
    /// Active pods to stop (the Job finished or failed, or their index already succeeded).
    public var stop: [String] = []
    public var active = 0
    public var succeeded = 0
    public var failed = 0
    /// Indexed: the succeeded indexes as the API prints them (`0-2,4`); nil for NonIndexed.
    public var completedIndexes: String?
    /// Failed pods a podFailurePolicy `Ignore` rule matched (not counted as failures).
    public var ignored: [String] = []
    /// `Complete` or `Failed` once finished.
    public var condition: String?
    public var reason: String?
    public var message: String?
    public init() {}
  }

  public static func decide(
    completions: Int?, parallelism: Int, backoffLimit: Int, activeDeadlineSeconds: Int?,
    restartPolicy: String, pods: [ObservedPod], startTime: Date, now: Date,
    alreadyFinished: String? = nil, indexed: Bool = false,
    podFailurePolicy: PodFailurePolicy? = nil, namespace: String = "default"
  ) -> Outcome {
    var out = Outcome()
    let live = pods.filter { !$0.terminating }
    let active = live.filter { $0.phase == .pending || $0.phase == .running }
    let failedPods = live.filter { $0.phase == .failed || $0.phase == .unknown }.sorted {
      ($0.createdAt, $0.name) < ($1.createdAt, $1.name)
    }
    var counted: [ObservedPod] = []
    var failJob: String?
    for p in failedPods {
      switch podFailurePolicy?.match(p, namespace: namespace) {
      case .some((.ignore, _)): out.ignored.append(p.name)
      case .some((.failJob, let message)):
        counted.append(p)
        if failJob == nil { failJob = message }
      default: counted.append(p)
      }
    }
    // Under OnFailure a pod's container restarts count as failures (Kubernetes: pastBackoffLimitOnFailure).
    let restarts = restartPolicy == "OnFailure" ? active.reduce(0) { $0 + $1.restarts } : 0
    out.failed = counted.count + restarts
    out.active = active.count
    var succeededIndexes: Set<Int> = []
    if indexed {
      let total = completions ?? 1
      succeededIndexes = Set(live.filter { $0.phase == .succeeded }.compactMap(\.index).filter { $0 >= 0 && $0 < total })
      out.succeeded = succeededIndexes.count
      out.completedIndexes = compress(succeededIndexes)
    } else {
      out.succeeded = live.filter { $0.phase == .succeeded }.count
    }
    func finish(_ condition: String, _ reason: String?, _ message: String?) -> Outcome {
      out.condition = condition
      out.reason = reason
      out.message = message
      out.stop = active.map(\.name)
      return out
    }
    if let done = alreadyFinished { return finish(done, nil, nil) }
    let target = completions ?? 1
    if let failJob { return finish("Failed", "PodFailurePolicy", failJob) }
    if out.succeeded >= target || (completions == nil && out.succeeded > 0 && active.isEmpty) {
      return finish("Complete", nil, nil)
    }
    if out.failed > backoffLimit {
      return finish("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
    }
    if let d = activeDeadlineSeconds, now.timeIntervalSince(startTime) >= Double(d) {
      return finish("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
    }
    if indexed {
      // One active pod per index; a pod whose index already succeeded, or a second one for an index, stops.
      var running: Set<Int> = []
      var keep = 0
      for p in active.sorted(by: { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }) {
        guard let i = p.index, i >= 0, i < target, !succeededIndexes.contains(i), !running.contains(i) else {
          out.stop.append(p.name)
          continue
        }
        running.insert(i)
        keep += 1
      }
      let missing = (0..<target).filter { !succeededIndexes.contains($0) && !running.contains($0) }
      out.createIndexes = Array(missing.prefix(max(0, parallelism - keep)))
      out.create = out.createIndexes.count
      return out
    }
    let remaining = target - out.succeeded
    let want = min(parallelism, completions == nil ? parallelism : remaining)
    out.create = max(0, want - active.count)
    return out
  }

  /// `status.completedIndexes` as the Job controller writes it: sorted, runs of three or more consecutive
  /// indexes as `first-last`, a run of two as `a,b` (`0,1,3-5,7`).
  public static func compress(_ indexes: Set<Int>) -> String {
    var parts: [String] = []
    let sorted = indexes.sorted()
    var i = 0
    while i < sorted.count {
      var j = i
      while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
      parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])\(j == i + 1 ? "," : "-")\(sorted[j])")
      i = j + 1
    }
    return parts.joined(separator: ",")
  }
}
