/// garrison-init's command line (after its name): `--unshare=<flags>` (`EarlyUnshare`), `--preserved-fds=<n>`
/// (`PreservedFDs`) and `--trace-phases` (GarrisonKernel's `PhaseTrace`). The runtime writes it; anything else is refused.
public struct InitArguments: Equatable, Sendable {
  /// Namespaces to create at once (`EarlyUnshare`); 0 for none.
  public var earlyUnshare: Int32 = 0
  /// Print phase marks to stderr (the runtime's `GARRISON_TRACE_PHASES`).
  public var tracePhases = false
  /// Descriptors the init holds at `PreservedFDs.base`… for the container process (`PreservedFDs`).
  public var preservedFDs = 0

  public init(earlyUnshare: Int32 = 0, tracePhases: Bool = false, preservedFDs: Int = 0) {
    self.earlyUnshare = earlyUnshare
    self.tracePhases = tracePhases
    self.preservedFDs = preservedFDs
  }

  static let unsharePrefix = "--unshare="
  static let preservedPrefix = "--preserved-fds="
  static let traceOption = "--trace-phases"
  /// More than any client passes; keeps the init's descriptor table small and the ranges well formed.
  public static let maxPreservedFDs = 1000

  /// The arguments that say this.
  public var rendered: [String] {
    var out: [String] = []
    if earlyUnshare != 0 { out.append(Self.unsharePrefix + String(earlyUnshare)) }
    if preservedFDs > 0 { out.append(Self.preservedPrefix + String(preservedFDs)) }
    if tracePhases { out.append(Self.traceOption) }
    return out
  }

  /// Parses what `rendered` wrote.
  public static func parse(_ arguments: [String]) throws(InitFailure) -> InitArguments {
    var parsed = InitArguments()
    for argument in arguments {
      if argument == traceOption {
        parsed.tracePhases = true
      } else if argument.hasPrefix(preservedPrefix), let n = Int(argument.dropFirst(preservedPrefix.count)),
        n > 0, n <= maxPreservedFDs
      {
        parsed.preservedFDs = n
      } else if argument.hasPrefix(unsharePrefix), let value = Int32(argument.dropFirst(unsharePrefix.count)),
        value & ~EarlyUnshare.allowed == 0
      {
        parsed.earlyUnshare = value
      } else {
        throw InitFailure("parse command line", "unexpected argument \(argument)")
      }
    }
    return parsed
  }
}
