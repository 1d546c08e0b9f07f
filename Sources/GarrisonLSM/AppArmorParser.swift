import Foundation
import GarrisonCore
import GarrisonKernel

/// Runs `apparmor_parser` to check that a profile compiles, without loading it into the kernel.
///
/// Flags: `-Q` (`--skip-kernel-load`) compiles the profile to its binary form but does not load it, and
/// `-K` (`--skip-cache`) neither reads nor writes the binary cache. Neither needs AppArmor in the running
/// kernel: without `/sys/kernel/security/apparmor` the parser uses its built-in feature set, and the
/// profile's `abi <abi/3.0>,` line pins the feature ABI anyway. Includes resolve under `/etc/apparmor.d`
/// (`tunables/global`, `abstractions/base` from the Debian `apparmor` package). The parser prints a
/// harmless "Cache read/write disabled" notice on such kernels, which is ignored.
public enum AppArmorParser {
  public static let defaultPath = "/usr/sbin/apparmor_parser"

  /// Whether the parser is installed at `path`.
  public static func isAvailable(at path: String = defaultPath) -> Bool {
    FileManager.default.isExecutableFile(atPath: path)
  }

  /// Compiles `text`; throws with the parser's diagnostics if it is rejected.
  public static func check(_ text: String, parserPath: String = defaultPath) throws {
    let (status, diagnostics) = try run(["-Q", "-K"], input: text, parserPath: parserPath)
    guard status == 0 else {
      throw GarrisonError(
        .invalid, operation: "apparmor_parser -Q -K",
        "profile rejected (status \(status)): \(diagnostics)")
    }
  }

  /// Runs the parser with `arguments`, the profile text on stdin; returns its exit status (-1 when killed by
  /// a signal) and its diagnostics without the "Cache read/write disabled" notice.
  static func run(_ arguments: [String], input text: String, parserPath: String) throws -> (Int32, String) {
    let (status, diagnostics) = try HostTool.run(parserPath, arguments, input: text)
    let lines = diagnostics.split(separator: "\n").filter { !$0.hasPrefix("Cache read/write disabled") }
    return (status, lines.joined(separator: "; "))
  }
}
