import Foundation
import GarrisonCore

/// The text of an AppArmor profile template (`Policies/apparmor/*.profile.template`) with its version,
/// read from the `# garrison-profile-version: N` header line. The only placeholder is `{{name}}`.
public struct AppArmorTemplate: Hashable, Sendable {
  /// The file name of the RuntimeDefault template inside the `Policies/apparmor` directory.
  public static let runtimeDefaultFileName = "runtime-default.profile.template"

  public let text: String
  public let version: String

  /// Wraps template text; throws if the version header or the `{{name}}` placeholder is missing.
  public init(text: String, source: String = "template") throws {
    let marker = "# garrison-profile-version:"
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(marker) }) else {
      throw LSMErrors.invalid("load AppArmor template", "\(source): no \"\(marker)\" header line")
    }
    let version = line.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
    guard !version.isEmpty, version.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." }) else {
      throw LSMErrors.invalid("load AppArmor template", "\(source): invalid version \"\(version)\"")
    }
    guard text.contains("{{name}}") else {
      throw LSMErrors.invalid("load AppArmor template", "\(source): no {{name}} placeholder")
    }
    self.text = text
    self.version = version
  }

  /// Reads `runtime-default.profile.template` from a `Policies/apparmor` directory.
  public static func runtimeDefault(policyDirectory: String) throws -> AppArmorTemplate {
    try load(path: policyDirectory + "/" + runtimeDefaultFileName)
  }

  /// Reads a template file.
  public static func load(path: String) throws -> AppArmorTemplate {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw GarrisonError(.notFound, operation: "read AppArmor template", "cannot read \(path): \(error)")
    }
    return try AppArmorTemplate(text: text, source: path)
  }
}
