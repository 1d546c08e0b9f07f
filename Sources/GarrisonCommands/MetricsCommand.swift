import ArgumentParser
import Foundation
import GarrisonCore
import GarrisonKernel
import GarrisonMetrics

/// `garrison metrics serve`: the Prometheus exporter.
struct MetricsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "metrics", abstract: "Export pod, container, node and security metrics for Prometheus.",
    subcommands: [MetricsServeCommand.self])
}

/// `garrison metrics serve [--listen 127.0.0.1:9464] [--root DIR]`.
struct MetricsServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve /metrics (Prometheus text or OpenMetrics, by Accept) and /healthz until SIGINT/SIGTERM.",
    discussion: """
      cAdvisor's container_* families from each running container's cgroup, kube-state-metrics' kube_pod_* \
      families from the pods' status, the node's allocatable against requested resources, and garrison_* \
      security families (seccomp denials, attestation read-backs, privileged and capability-adding containers, \
      exec and port-forward sessions, pods by Pod Security level, audit log commits and fsync latency) from the \
      plans and the audit log. Runs as garrison-exporter (a small static executable next to garrison, execed). \
      See docs/monitoring.md.
      Exit codes: 2 bad --listen, 4 the port is taken or the host's cgroups cannot be read.
      """)

  @OptionGroup var rootOption: RootOption
  @Option(help: "Address and port to listen on (default 127.0.0.1:9464; 0.0.0.0:9464 exposes it beyond this host).")
  var listen = MetricsExporter.defaultListen

  func run() throws {
    try PodCLI.run {
      _ = try MetricsExporter.parseListen(listen)  // a bad address is exit 2 here, before anything starts
      // The exporter runs as its own small executable (garrison-exporter, next to this one): a long-running process
      // without the CLI's code and libraries. Without it (a partial install), this process serves.
      if let exporter = Self.exporterPath() {
        let error = Kernel.execve(exporter, [exporter, "--listen", listen, "--root", rootOption.path], Self.environment())
        throw GarrisonError(.system, operation: "execve", "cannot run \(exporter): \(error.name)", errno: error.rawValue)
      }
      try MetricsExporter.serve(listen: listen, root: rootOption.path)
    }
  }

  /// `$GARRISON_EXPORTER`, else `garrison-exporter` next to the running executable, when it is executable.
  static func exporterPath() -> String? {
    if let path = Environment.value("GARRISON_EXPORTER") { return path }
    guard let exe = try? Kernel.readlink("/proc/self/exe") else { return nil }
    let candidate = PathName.join(PathName.deletingLastComponent(exe), MetricsExporter.executableName)
    return Kernel.isExecutable(candidate) ? candidate : nil
  }

  static func environment() -> [String] {
    ProcessInfo.processInfo.environment.map { $0.key + "=" + $0.value }
  }
}
