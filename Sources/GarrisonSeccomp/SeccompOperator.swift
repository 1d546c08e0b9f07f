/// An argument comparison operator (`SCMP_CMP_*`), a closed vocabulary.
///
/// For ``maskedEqual`` the profile's `value` is the mask and `valueTwo` the expected result:
/// the rule matches when `(arg & value) == valueTwo` (libseccomp's datum_a / datum_b).
public enum SeccompOperator: String, Codable, Sendable, CaseIterable, Comparable {
  case notEqual = "SCMP_CMP_NE"
  case lessThan = "SCMP_CMP_LT"
  case lessOrEqual = "SCMP_CMP_LE"
  case equal = "SCMP_CMP_EQ"
  case greaterOrEqual = "SCMP_CMP_GE"
  case greaterThan = "SCMP_CMP_GT"
  case maskedEqual = "SCMP_CMP_MASKED_EQ"

  /// The `enum scmp_compare` value from `<seccomp.h>`.
  public var libseccompValue: UInt32 {
    switch self {
    case .notEqual: return 1
    case .lessThan: return 2
    case .lessOrEqual: return 3
    case .equal: return 4
    case .greaterOrEqual: return 5
    case .greaterThan: return 6
    case .maskedEqual: return 7
    }
  }

  public static func < (lhs: SeccompOperator, rhs: SeccompOperator) -> Bool {
    lhs.libseccompValue < rhs.libseccompValue
  }
}
