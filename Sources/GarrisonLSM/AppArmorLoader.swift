import Foundation
import GarrisonCore
import GarrisonKernel

/// Loads Garrison's own AppArmor profiles into the kernel and reads which profiles the kernel holds.
///
/// Kubernetes leaves `Localhost` profiles to the node's operator, but `RuntimeDefault` is the runtime's own
/// profile: as containerd's CRI plugin loads its default profile before first use, the pod runner loads
/// `garrison-default-v<N>` (`apparmor_parser -r`, replacing an older copy of the same name) and then checks
/// that the kernel lists it in enforce mode. Nothing is loaded on a kernel without AppArmor.
public enum AppArmorLoader {
  /// The kernel's list of loaded profiles (`name (mode)` per line) in securityfs.
  public static let profilesPath = AppArmorLabel.loadedProfilesPath

  /// Loaded profiles and their modes, or nil when the kernel exposes no list (no AppArmor, or securityfs is
  /// not mounted).
  public static func loadedProfiles(path: String = profilesPath) -> [String: String]? {
    guard let labels = AppArmorLabel.loadedProfiles(path: path) else { return nil }
    var profiles: [String: String] = [:]
    for label in labels { if let mode = label.mode { profiles[label.profile] = mode } }
    return profiles
  }

  /// Whether `name` is loaded in enforce mode.
  public static func isEnforced(_ name: String, path: String = profilesPath) -> Bool {
    loadedProfiles(path: path)?[name] == "enforce"
  }

  /// Loads (or replaces) `profile` and verifies that the kernel then lists it in enforce mode.
  public static func load(
    _ profile: AppArmorProfile, parserPath: String = AppArmorParser.defaultPath,
    profilesPath: String = profilesPath
  ) throws {
    let (status, diagnostics) = try AppArmorParser.run(["-r", "-K"], input: profile.text, parserPath: parserPath)
    guard status == 0 else {
      throw GarrisonError(
        .unenforceable, operation: "apparmor_parser -r",
        "cannot load AppArmor profile \(profile.name) (status \(status)): \(diagnostics)")
    }
    guard isEnforced(profile.name, path: profilesPath) else {
      throw GarrisonError(
        .unenforceable, operation: "apparmor_parser -r",
        "AppArmor profile \(profile.name) is not listed in enforce mode after loading")
    }
  }
}
