extension AuditLog {
  /// What one process's appends to a log cost: append calls, commits (one write + one fsync each; fewer than
  /// appends when concurrent appenders shared them), records written, and how long each fsync took.
  public struct Statistics: Sendable, Equatable {
    public var appends = 0
    public var commits = 0
    public var records = 0
    public var fsync = LatencyHistogram()
  }
}

/// A latency distribution in fixed buckets (Prometheus' default bucket bounds, in seconds), with count and sum.
public struct LatencyHistogram: Sendable, Equatable {
  /// Upper bounds of the buckets, seconds; a last, unbounded bucket follows.
  public static let bounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
  /// Observations per bucket (not cumulative); `counts.last` is above every bound.
  public private(set) var counts = [Int](repeating: 0, count: LatencyHistogram.bounds.count + 1)
  public private(set) var count = 0
  public private(set) var sum = 0.0

  public init() {}

  public mutating func record(_ seconds: Double) {
    let i = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
    counts[i] += 1
    count += 1
    sum += seconds
  }

  /// The upper bound of the bucket holding quantile `q` (0...1); nil when empty or above every bound.
  public func quantileBound(_ q: Double) -> Double? {
    guard count > 0 else { return nil }
    let rank = Int((Double(count) * q).rounded(.up))
    var seen = 0
    for (i, c) in counts.enumerated() {
      seen += c
      if seen >= max(1, rank) { return i < Self.bounds.count ? Self.bounds[i] : nil }
    }
    return nil
  }
}
