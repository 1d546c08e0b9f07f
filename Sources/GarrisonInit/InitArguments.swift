/// garrison-init's command line (after its name): `--unshare=<flags>` (`EarlyUnshare`) and `--trace-phases`
/// (`InitPhaseTrace`). The runtime writes it; anything else is refused.
public struct InitArguments: Equatable, Sendable {
  /// Namespaces to create at once (`EarlyUnshare`); 0 for none.
  public var earlyUnshare: Int32 = 0
  /// Print phase marks to stderr (the runtime's `GARRISON_TRACE_PHASES`).
  public var tracePhases = false

  public init(earlyUnshare: Int32 = 0, tracePhases: Bool = false) {
    self.earlyUnshare = earlyUnshare
    self.tracePhases = tracePhases
  }

  static let unsharePrefix = "--unshare="
  static let traceOption = "--trace-phases"

  /// The arguments that say this.
  public var rendered: [String] {
    var out: [String] = []
    if earlyUnshare != 0 { out.append(Self.unsharePrefix + String(earlyUnshare)) }
    if tracePhases { out.append(Self.traceOption) }
    return out
  }

  /// Parses what `rendered` wrote.
  static func parse(_ arguments: [String]) throws(InitFailure) -> InitArguments {
    var parsed = InitArguments()
    for argument in arguments {
      if argument == traceOption {
        parsed.tracePhases = true
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
