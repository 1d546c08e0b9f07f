import ArgumentParser
import GarrisonAudit
import GarrisonCore
import GarrisonLSM
import GarrisonLSMHost
import GarrisonPods
import GarrisonCompiler

/// `garrison selinux load`: installs Garrison's SELinux policy module (container_t, spc_t, container_file_t,
/// container_ro_file_t) on a refpolicy host such as Debian, where selinux-policy-default has no container module.
struct SELinuxCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "selinux", abstract: "Load Garrison's SELinux policy module.",
    subcommands: [SELinuxLoadCommand.self])
}

struct SELinuxLoadCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load",
    abstract: "Install garrison-selinux-v<N> (rendered from Policies/selinux) unless the loaded policy has it.",
    discussion: """
      Runs semodule -i on the rendered CIL module, then checks through libselinux (security_check_context) that \
      the kernel's policy knows the module's types. A load is recorded as an lsm.profile_loaded audit event \
      (mechanism selinux) under --root. Not for Fedora/RHEL: container-selinux defines these types there. \
      Exit codes: 0 loaded or already loaded; 3 SELinux is off or the module was rejected; 4 semodule could not run.
      """)
  @OptionGroup var root: RootOption
  @Option(help: "The Policies/ directory.") var policies: String?

  func run() throws {
    try PodCLI.run {
      guard HostLSM.current.seLinuxEnabled else {
        throw GarrisonError(.unenforceable, "SELinux is not enabled in this kernel; nothing to load")
      }
      let dir = policies ?? PolicyLocator.policiesDirectory()
      let module = try SELinuxPolicyModule.load(policyDirectory: dir + "/selinux")
      if SELinuxModuleLoader.isLoaded(module) {
        print("\(module.name): already loaded")
        return
      }
      try SELinuxModuleLoader.load(module, host: .current)
      let log = try AuditLog(directory: AuditPaths.directory(root: root.path))
      try log.append(
        AuditEvent(
          kind: .lsmProfileLoaded, outcome: .allowed, object: AuditObject(),
          details: AuditDetails.profileLoaded(
            mechanism: "selinux", profile: module.name,
            sha256: module.sha256)))
      print("\(module.name): loaded")
    }
  }
}
