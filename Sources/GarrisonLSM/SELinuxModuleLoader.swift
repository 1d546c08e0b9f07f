import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonLSMHost

/// Installs Garrison's SELinux policy module with `semodule -i` and checks, through libselinux, that the loaded
/// policy then has it.
///
/// semodule is run with fixed arguments: `-i` and the path of the rendered CIL, which Garrison writes into a
/// directory it has just created (`mkdtemp`); the module's name comes from that file's name. libsemanage
/// rebuilds the policy from the store and loads it into the kernel. Nothing is installed on a kernel without
/// SELinux (the store would change for the next boot only, and nothing here could check it).
public enum SELinuxModuleLoader {
  public static let semodulePath = "/usr/sbin/semodule"
  /// The contexts the module must make valid: its types, at the lowest and highest MCS levels.
  static func requiredContexts(_ module: SELinuxPolicyModule) -> [String] {
    [
      module.markerContext, "system_u:system_r:container_t:s0:c0,c1023", "system_u:system_r:spc_t:s0",
      "system_u:object_r:container_file_t:s0:c0,c1023", "system_u:object_r:container_ro_file_t:s0",
    ]
  }

  /// Whether the loaded policy has this version of the module (its marker and types are valid contexts).
  public static func isLoaded(
    _ module: SELinuxPolicyModule,
    isValid: (String) -> Bool = { SELinuxLibrary.isValidContext($0) }
  ) -> Bool {
    requiredContexts(module).allSatisfy(isValid)
  }

  /// Installs `module` (replacing an older copy of the same name) and verifies that the kernel's policy has it.
  public static func load(_ module: SELinuxPolicyModule, host: HostLSM, semodulePath: String = semodulePath) throws {
    guard host.seLinuxEnabled else {
      throw GarrisonError(.unenforceable, operation: "semodule -i", "SELinux is not enabled in this kernel")
    }
    var template = Array("/tmp/garrison-selinux.XXXXXX".utf8CString)
    guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) })
    else {
      throw GarrisonError(.system, operation: "semodule -i", "cannot create a directory under /tmp", errno: errno)
    }
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/" + module.name + ".cil"
    do { try module.text.write(toFile: file, atomically: false, encoding: .utf8) } catch {
      throw GarrisonError(.system, operation: "semodule -i", "cannot write \(file): \(error)")
    }
    let (status, diagnostics) = try HostTool.run(semodulePath, ["-i", file])
    guard status == 0 else {
      throw GarrisonError(
        .unenforceable, operation: "semodule -i",
        "cannot install SELinux module \(module.name) (status \(status)): \(diagnostics)")
    }
    guard isLoaded(module) else {
      throw GarrisonError(
        .unenforceable, operation: "semodule -i",
        "the loaded SELinux policy lacks \(module.name)'s types after semodule -i")
    }
  }
}
