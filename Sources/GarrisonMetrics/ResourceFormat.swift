/// kubectl's spelling of resource amounts in `top`: CPU in millicores (`250m`), memory in mebibytes (`64Mi`),
/// both rounded down as metrics-server's quantities print.
public enum ResourceFormat {
  /// `cores` of CPU as millicores: `0.2504` → `250m`.
  public static func millicores(_ cores: Double) -> String {
    guard cores.isFinite, cores > 0 else { return "0m" }
    return "\(Int64(cores * 1000))m"
  }

  /// Bytes as mebibytes: `67_108_864` → `64Mi`.
  public static func mebibytes(_ bytes: UInt64) -> String { "\(bytes >> 20)Mi" }

  /// A percentage of `total`, rounded down (`top node`'s `CPU%`/`MEMORY%`).
  public static func percent(_ part: Double, of total: Double) -> String {
    guard total > 0, part.isFinite else { return "<unknown>" }
    return "\(Int64(part / total * 100))%"
  }
}
