import Foundation
import Testing

/// What this machine has, for tests that need root or a host tool; each trait skips a test with the reason.
public enum HostTools {
  /// Whether the tests run as root.
  public static var isRoot: Bool { geteuid() == 0 }

  /// The first executable among `candidates`, or nil.
  public static func find(_ candidates: String...) -> String? {
    candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Whether python3 can import jsonschema (schema tests validate documents with it).
  public static let hasJSONSchema: Bool = {
    guard let python = find("/usr/bin/python3") else { return false }
    return (try? TestProcess.run(python, ["-c", "import jsonschema"]))?.status == 0
  }()

  /// Skips a test, with the reason, when not root.
  public static let root = ConditionTrait.enabled(if: isRoot, "needs root")

  /// Skips a test, with the reason, without python3-jsonschema.
  public static let jsonSchema = ConditionTrait.enabled(
    if: hasJSONSchema, "python3-jsonschema is not installed (scripts/setup.sh installs it)")

  /// Skips a test, with the reason, when the built executable `name` is missing.
  public static func built(_ name: String) -> ConditionTrait {
    ConditionTrait.enabled(if: BuiltProducts.isBuilt(name), Comment(rawValue: "\(BuiltProducts.path(name)) is not built"))
  }
}
