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
  /// Whether `name` is loaded in enforce mode: presence through libapparmor's query interface, the mode from the
  /// kernel's list (`AppArmorLibrary.loadedMode`).
  public static func isEnforced(_ name: String) -> Bool {
    AppArmorLibrary.loadedMode(name) == "enforce"
  }

  /// Loads (or replaces) `profile` and verifies that the kernel then holds it in enforce mode.
  public static func load(
    _ profile: AppArmorProfile, parserPath: String = AppArmorParser.defaultPath,
    isEnforced: (String) -> Bool = isEnforced
  ) throws {
    let (status, diagnostics) = try AppArmorParser.run(["-r", "-K"], input: profile.text, parserPath: parserPath)
    guard status == 0 else {
      throw GarrisonError(
        .unenforceable, operation: "apparmor_parser -r",
        "cannot load AppArmor profile \(profile.name) (status \(status)): \(diagnostics)")
    }
    guard isEnforced(profile.name) else {
      throw GarrisonError(
        .unenforceable, operation: "apparmor_parser -r",
        "AppArmor profile \(profile.name) is not loaded in enforce mode after loading")
    }
  }
}
