import ArgumentParser
import GarrisonAudit
import Foundation
import GarrisonCore
import GarrisonManifest
import GarrisonLSMHost
import GarrisonPods
import GarrisonSeccomp

/// `garrison supervise` (hidden): the per-pod supervisor process that `apply` starts detached.
struct SuperviseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "supervise", abstract: "Supervise one pod (started by apply).", shouldDisplay: false)

  @OptionGroup var rootOption: RootOption
  @Option var namespace: String
  @Option var name: String

  func run() throws {
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      try KubernetesNames.checkPodNameArgument(name)
    }
    let paths = PodPaths(root: rootOption.path, namespace: namespace, name: name)
    guard let record = try JSONFile.read(PodRecord.self, from: paths.record) else {
      throw GarrisonError(.notFound, "no pod record at \(paths.record)")
    }
    // The OCI runtime (garrison-oci) writes its read-back events into this pod's audit log.
    setenv("GARRISON_AUDIT_DIR", AuditPaths.directory(root: rootOption.path), 1)
    // garrison-oci loads the seccomp programs `apply` compiled into this root's cache instead of compiling again.
    setenv("GARRISON_SECCOMP_CACHE", BPFCache.directory(root: rootOption.path), 1)
    let code = PodSupervisor(paths: paths, record: record, host: .current).run()
    throw ExitCode(code)
  }
}
