/// The one error type of Garrison: what went wrong (a code), the operation, its argument,
/// where in the input (field path and/or `file:line:col`) and the underlying errno.
public struct GarrisonError: Error, CustomStringConvertible, Sendable, Equatable {
  /// Extensible error codes; each maps to a documented exit code.
  public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Input that cannot be parsed (YAML/JSON syntax).
    public static let syntax = Code(rawValue: "syntax")
    /// Input that parses but is not a valid object (wrong types, impossible values, contradictions).
    public static let invalid = Code(rawValue: "invalid")
    /// A setting this kernel or host cannot enforce (fail closed).
    public static let unenforceable = Code(rawValue: "unenforceable")
    /// A policy refused the request (e.g. runAsNonRoot with uid 0).
    public static let refused = Code(rawValue: "refused")
    /// Something that should exist does not (file, image, container).
    public static let notFound = Code(rawValue: "not-found")
    /// Something already exists.
    public static let exists = Code(rawValue: "exists")
    /// A system call or tool failed.
    public static let system = Code(rawValue: "system")
    /// Wrong command-line usage.
    public static let usage = Code(rawValue: "usage")
    /// A wait (`apply --wait`) ran out of time before what it waited for happened.
    public static let timedOut = Code(rawValue: "timed-out")
  }

  public var code: Code
  /// The operation that failed, e.g. "setresuid", "parse quantity".
  public var operation: String
  /// Human explanation.
  public var message: String
  public var fieldPath: FieldPath?
  public var location: SourceLocation?
  public var errno: Int32?

  public init(
    _ code: Code, operation: String = "", _ message: String, field: FieldPath? = nil,
    at location: SourceLocation? = nil, errno: Int32? = nil
  ) {
    self.code = code
    self.operation = operation
    self.message = message
    self.fieldPath = field
    self.location = location
    self.errno = errno
  }

  /// `file:line:col: field.path: message (operation: errno N)`.
  public var description: String {
    var parts: [String] = []
    if let location { parts.append(location.description) }
    if let fieldPath, !fieldPath.steps.isEmpty { parts.append(fieldPath.description) }
    var text = message
    if !operation.isEmpty, let errno {
      text += " (\(operation): errno \(errno))"
    } else if !operation.isEmpty && code == .system {
      text += " (\(operation))"
    }
    parts.append(text)
    return parts.joined(separator: ": ")
  }

  /// The process exit code for this error (see README "Exit codes").
  public var exitCode: Int32 { ExitCodes.code(for: code) }
}

/// Garrison's documented exit codes.
public enum ExitCodes {
  public static let ok: Int32 = 0
  /// Findings at or above the failure threshold (lint), or verification failed (audit verify).
  public static let findings: Int32 = 1
  /// Bad input or usage: unparsable manifest, invalid values, unknown kinds, missing files.
  public static let badInput: Int32 = 2
  /// A setting cannot be enforced on this host or was refused by policy.
  public static let refused: Int32 = 3
  /// A system operation failed at run time.
  public static let system: Int32 = 4
  /// A wait ran out of time (`apply --wait` past `--timeout`).
  public static let timedOut: Int32 = 5

  public static func code(for code: GarrisonError.Code) -> Int32 {
    switch code {
    case .syntax, .invalid, .usage, .notFound, .exists: return badInput
    case .unenforceable, .refused: return refused
    case .timedOut: return timedOut
    default: return system
    }
  }
}
