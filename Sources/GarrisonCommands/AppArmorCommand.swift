import ArgumentParser
import GarrisonAudit
import GarrisonCore
import GarrisonLSM
import GarrisonLSMHost
import GarrisonPods
import GarrisonCompiler

/// `garrison apparmor load`: loads Garrison's RuntimeDefault AppArmor profile into the kernel, as `garrison
/// apply` does before the first container that uses it (for hosts that prefer to load it at boot).
struct AppArmorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apparmor", abstract: "Load Garrison's RuntimeDefault AppArmor profile.",
    subcommands: [AppArmorLoadCommand.self])
}

struct AppArmorLoadCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load",
    abstract: "Load garrison-default-v<N> (rendered from Policies/apparmor) unless the kernel already enforces it.",
    discussion: """
      Prints the profile and whether it was loaded. A load is recorded as an lsm.profile_loaded audit event \
      under --root. Exit codes: 0 loaded or already loaded; 3 the kernel has no AppArmor or the profile was \
      rejected; 4 apparmor_parser could not run.
      """)
  @OptionGroup var root: RootOption
  @Option(help: "The Policies/ directory.") var policies: String?

  func run() throws {
    try PodCLI.run {
      let host = HostLSM.current
      guard host.appArmor else {
        throw GarrisonError(.unenforceable, "AppArmor is not enabled in this kernel; nothing to load")
      }
      let dir = policies ?? PolicyLocator.policiesDirectory()
      let name = try AppArmorProfile.runtimeDefault(policyDirectory: dir + "/apparmor").name
      if let loaded = try DefaultAppArmorProfile.loadIfNeeded(names: [name], policiesDirectory: dir, host: host) {
        let log = try AuditLog(directory: AuditPaths.directory(root: root.path))
        try log.append(
          AuditEvent(
            kind: .lsmProfileLoaded, outcome: .allowed, object: AuditObject(),
            details: AuditDetails.profileLoaded(
              mechanism: "apparmor", profile: loaded.name,
              sha256: loaded.sha256)))
        print("\(loaded.name): loaded (enforce)")
      } else {
        print("\(name): already loaded (enforce)")
      }
    }
  }
}
