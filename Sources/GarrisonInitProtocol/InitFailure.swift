import GarrisonKernel

/// A failed init step: what was being done ("setresuid to 1000") and why ("EPERM (Operation not permitted)").
/// Sent to the runtime as `error <step>: <text>`.
public struct InitFailure: Error, Equatable, CustomStringConvertible {
  public var step: String
  public var text: String
  public init(_ step: String, _ text: String) {
    self.step = step
    self.text = text
  }
  public var description: String { "\(step): \(text)" }
}

/// Runs one kernel operation of an init step, turning its `Errno` into an `InitFailure` naming the step.
@inline(__always) @discardableResult
public func step<T>(_ name: @autoclosure () -> String, _ body: () throws(Errno) -> T) throws(InitFailure) -> T {
  do {
    return try body()
  } catch {
    throw InitFailure(name(), error.description)
  }
}
