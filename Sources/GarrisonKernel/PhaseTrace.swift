import Glibc

/// Wall-clock marks of a command's phases, printed to stderr when `GARRISON_TRACE_PHASES` is set: the runtime's
/// (bench/oci), garrison-init's (`phase init <name>`), and the pod supervisor's and `apply`'s (bench/pods) start paths. Costs one getenv when off.
/// Lines are `phase <name> +<µs since the previous mark> us at <µs of CLOCK_MONOTONIC> us`, one `write(2)`
/// each, so marks from several processes (supervisor, runtime, garrison-init) interleave on one clock.
public enum PhaseTrace {
  nonisolated(unsafe) private static var last: UInt64 = 0
  /// On when `GARRISON_TRACE_PHASES` is set; garrison-init sets it from its `--trace-phases` argument instead.
  nonisolated(unsafe) public static var enabled = getenv("GARRISON_TRACE_PHASES") != nil

  /// Prints `name` with the time since the previous mark of this process.
  public static func mark(_ name: StaticString) {
    guard enabled else { return }
    emit("\(name)")
  }

  /// `mark` with a detail (a container name): the string is only built when tracing is on.
  public static func mark(_ name: StaticString, _ detail: @autoclosure () -> String) {
    guard enabled else { return }
    emit("\(name) \(detail())")
  }

  private static func emit(_ name: String) {
    let now = Kernel.monotonicNanoseconds() / 1000
    let delta = last == 0 ? 0 : now &- last  // threads may race here: a mark's delta is diagnostics only
    last = now
    let line = Array("phase \(name) +\(delta) us at \(now % 100_000_000) us\n".utf8)
    _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }  // diagnostics only
  }
}
