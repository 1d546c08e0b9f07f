import Crypto
import Foundation
import GarrisonCore

/// Garrison's SELinux policy module (types `container_t`, `spc_t`, `container_file_t`, `container_ro_file_t` and
/// the MCS rules of an unprivileged container), rendered from `Policies/selinux/garrison-selinux.cil.template`.
///
/// Versioned like the AppArmor template: the `; garrison-selinux-version: N` header names the module
/// `garrison-selinux-v<N>` and its marker type `garrison_selinux_v<N>_t` (the `{{marker}}` placeholder), so
/// whether this exact version is in the kernel is one `security_check_context` of ``markerContext``.
public struct SELinuxPolicyModule: Hashable, Sendable {
  /// The template's file name inside the `Policies/selinux` directory.
  public static let templateFileName = "garrison-selinux.cil.template"
  static let versionMarker = "; garrison-selinux-version:"

  public let version: String
  /// `garrison-selinux-v<version>`: the module's name in the policy store (semodule takes it from the file name).
  public let name: String
  /// `garrison_selinux_v<version>_t`.
  public let markerType: String
  /// The rendered CIL.
  public let text: String

  /// Renders template text; throws if the version header or the `{{marker}}` placeholder is missing.
  public init(template: String, source: String = "template") throws {
    let op = "load SELinux policy template"
    guard let line = template.split(separator: "\n").first(where: { $0.hasPrefix(Self.versionMarker) }) else {
      throw LSMErrors.invalid(op, "\(source): no \"\(Self.versionMarker)\" header line")
    }
    let version = line.dropFirst(Self.versionMarker.count).trimmingCharacters(in: .whitespaces)
    guard !version.isEmpty, version.count <= 16, version.allSatisfy({ $0.isASCII && $0.isNumber }) else {
      throw LSMErrors.invalid(op, "\(source): invalid version \"\(version)\" (digits only)")
    }
    guard template.contains("{{marker}}") else { throw LSMErrors.invalid(op, "\(source): no {{marker}} placeholder") }
    self.version = version
    name = "garrison-selinux-v\(version)"
    markerType = "garrison_selinux_v\(version)_t"
    text = template.replacingOccurrences(of: "{{marker}}", with: markerType)
    if text.contains("{{") || text.contains("}}") { throw LSMErrors.invalid(op, "\(source): unknown placeholder") }
  }

  /// Reads and renders `<policyDirectory>/garrison-selinux.cil.template` (`policyDirectory` is `Policies/selinux`).
  public static func load(policyDirectory: String) throws -> SELinuxPolicyModule {
    let path = policyDirectory + "/" + templateFileName
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw GarrisonError(.notFound, operation: "read SELinux policy template", "cannot read \(path): \(error)")
    }
    return try SELinuxPolicyModule(template: text, source: path)
  }

  /// The context that exists exactly when this version of the module is in the loaded policy.
  public var markerContext: String { "system_u:object_r:\(markerType):s0" }

  /// Hex SHA-256 of the rendered CIL (what the audit event records as loaded).
  public var sha256: String { SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
}
