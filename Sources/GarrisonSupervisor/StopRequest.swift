/// `stop.json`: how `delete` asks the supervisor to stop (written before SIGTERM).
public struct StopRequest: Codable, Sendable {
  public var gracePeriodSeconds: Double

  public init(gracePeriodSeconds: Double) { self.gracePeriodSeconds = gracePeriodSeconds }
}
