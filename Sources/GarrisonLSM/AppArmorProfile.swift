import Crypto
import Foundation

/// A rendered AppArmor profile: its name (what the container is confined by) and its full text,
/// which the runtime loads with `apparmor_parser -r` before starting the container.
public struct AppArmorProfile: Hashable, Codable, Sendable {
  public var name: String
  public var text: String

  public init(name: String, text: String) {
    self.name = name
    self.text = text
  }

  /// Hex SHA-256 of the profile text (what the audit event records as loaded).
  public var sha256: String {
    SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
  }

  /// The default name of a RuntimeDefault profile rendered from a template: `garrison-default-v<version>`,
  /// so a changed template gets a new name and never collides with an older profile still loaded.
  public static func defaultName(for template: AppArmorTemplate) -> String { "garrison-default-v\(template.version)" }

  /// Renders Garrison's RuntimeDefault profile from `template` under `name` (default ``defaultName(for:)``).
  public static func runtimeDefault(name: String? = nil, template: AppArmorTemplate) throws -> AppArmorProfile {
    let name = name ?? defaultName(for: template)
    try validateGeneratedName(name)
    let text = template.text.replacingOccurrences(of: "{{name}}", with: name)
    if text.contains("{{") || text.contains("}}") {
      throw LSMErrors.invalid("render AppArmor profile", "template has an unknown placeholder")
    }
    return AppArmorProfile(name: name, text: text)
  }

  /// Renders the RuntimeDefault profile from `<policyDirectory>/runtime-default.profile.template`.
  public static func runtimeDefault(name: String? = nil, policyDirectory: String) throws -> AppArmorProfile {
    try runtimeDefault(name: name, template: try AppArmorTemplate.runtimeDefault(policyDirectory: policyDirectory))
  }

  /// Names Garrison generates: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 200 characters.
  static func validateGeneratedName(_ name: String) throws {
    let ok =
      !name.isEmpty && name.count <= 200 && name.first!.isASCII && (name.first!.isLetter || name.first!.isNumber)
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    guard ok else {
      throw LSMErrors.invalid("render AppArmor profile", "invalid profile name \"\(name)\" (use [A-Za-z0-9._-])")
    }
  }
}
