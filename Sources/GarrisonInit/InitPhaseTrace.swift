import GarrisonInitProtocol
import Glibc

/// Phase marks of garrison-init on stderr (`phase init <name> at <µs> us`, on the same monotonic clock as the
/// runtime's `PhaseTrace`), only when the runtime passed `--trace-phases`; bench/oci uses them to see where a
/// start spends its time.
enum InitPhaseTrace {
  nonisolated(unsafe) static var enabled = false

  static func mark(_ name: StaticString) {
    guard enabled else { return }
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    let now = (Int(ts.tv_sec) * 1_000_000 + Int(ts.tv_nsec) / 1000) % 100_000_000
    let line = Array("phase init \(name) +0 us at \(now) us\n".utf8)
    _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }  // diagnostics only
  }
}
