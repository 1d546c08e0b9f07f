import Glibc

/// Wall-clock marks of the runtime's phases, printed to stderr when `GARRISON_TRACE_PHASES` is set
/// (used by bench/oci to see where a container start spends its time). Costs one getenv when off.
public enum PhaseTrace {
  nonisolated(unsafe) private static var last: Double = 0
  public static let enabled = getenv("GARRISON_TRACE_PHASES") != nil

  /// Prints `name` with the milliseconds since the previous mark (and since boot of the monotonic clock).
  public static func mark(_ name: StaticString) {
    guard enabled else { return }
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    let now = Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    let delta = last == 0 ? 0 : now - last
    last = now
    let line = Array("phase \(name) +\(Int(delta * 1000)) us at \(Int(now * 1000) % 100_000_000) us\n".utf8)
    _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }  // diagnostics only
  }
}
