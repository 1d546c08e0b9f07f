import ArgumentParser
import Foundation
import GarrisonAudit
import GarrisonCore
import GarrisonManifest
import GarrisonPods
import GarrisonSeccomp
import GarrisonCompiler
import GarrisonLSMHost

/// `garrison control` (hidden): the controller process of one Deployment, ReplicaSet or Job, started detached
/// by apply (and by any later command that finds it gone).
struct ControlCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "control", abstract: "Run one workload's controller (started by apply).", shouldDisplay: false)

  @OptionGroup var rootOption: RootOption
  @Option var namespace: String
  @Option var kind: String
  @Option var name: String

  func run() throws {
    try PodCLI.run {
      try KubernetesNames.checkNamespaceArgument(namespace)
      try KubernetesNames.checkPodNameArgument(name)
      guard WorkloadKind.controlled.contains(kind) else { throw GarrisonError(.usage, "unknown workload kind \(kind)") }
    }
    setenv("GARRISON_AUDIT_DIR", AuditPaths.directory(root: rootOption.path), 1)
    let root = rootOption.path
    let code = WorkloadController(root: root, namespace: namespace, kind: kind, name: name) { config in
      try ApplyOptionsFactory.make(config, root: root)
    }.run()
    throw ExitCode(code)
  }
}

/// `ApplyOptions` from the stored `WorkloadRunConfig`: apply and the controllers build pods the same way.
enum ApplyOptionsFactory {
  static func make(_ c: WorkloadRunConfig, root: String) throws -> ApplyOptions {
    var compiler = CompilerOptions(seccompDefault: c.seccompDefault)
    compiler.imageUser = ImageUserLookup.make(root: root)
    compiler.bpfCacheDirectory = BPFCache.directory(root: root)
    if let p = c.policies { compiler.policiesDirectory = p }
    let images: any ImageResolver = try c.rootfs.map { DirectoryImageResolver(directory: $0) } ?? StoreImageResolver.make(root: root)
    var options = ApplyOptions(
      runtimePath: c.runtimePath, images: images, host: .current, network: c.network,
      backoff: BackoffPolicy(base: c.backoffBase), compiler: compiler, supervisorExecutable: c.executable)
    options.skipFitCheck = false
    return options
  }
}
